"""The bounce mailbox: one full batch (500 messages) read from a Maildir and applied.

    .venv/bin/python bench/bounces.py --db sqlite
    .venv/bin/python bench/bounces.py --db postgres
    .venv/bin/python bench/bounces.py --db sqlite --messages 100      # smoke run

A fresh database (PostgreSQL: `sarnakh_bench_bounces`, created and dropped; SQLite: a
file in a temporary home) is migrated; `--messages` marketing messages are sent to
subscribed contacts through the outbox, and for each a report is put in a Maildir: 70%
Postfix hard-bounce DSNs, 20% Gmail delay DSNs (soft), 5% ARF complaints, 5% out-of-office
replies (the fixtures of tests/mail/bounces/). Then it times `mailbox_process` (parse,
attribute, suppress, publish, timeline, move to .Processed) over one batch, and a second
run over the same messages put back (every one a duplicate). Nothing is written to docs.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BenchDatabase  # noqa: E402

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "mail" / "bounces" / "fixtures"
MIX = [("postfix.eml", 70), ("gmail_delay.eml", 20), ("arf_complaint.eml", 5), ("out_of_office.eml", 5)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    db = BenchDatabase(args.db, "sarnakh_bench_bounces").create()
    try:
        os.environ.update(db.env())
        os.environ["DJANGO_SETTINGS_MODULE"] = "sarnakh.settings"
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
        from sarnakh.contacts.services import contact_upsert
        from sarnakh.core.actor import Actor
        from sarnakh.mail.bounces import services
        from sarnakh.mail.delivery import message
        from sarnakh.mail.delivery import services as delivery

        key = delivery.verp_key()
        box = mailbox.Maildir(db.home / "bounces", create=True)
        kinds = [name for name, share in MIX for _ in range(share)]
        raws = []
        started = time.perf_counter()
        for n in range(args.messages):
            to = f"person{n}@example.org"
            contact = contact_upsert(data={"email": to, "consent": "subscribed"}, actor=Actor.system("bench")).contact
            row = delivery.email_send(to=to, idempotency_key=f"bench:{n}", subject="News", html="<p>Hi</p>", text="Hi",
                                      kind="marketing", contact_id=contact.pk)
            text = (FIXTURES / kinds[n % len(kinds)]).read_text()
            text = text.replace("{VERP}", message.verp_address(row.pk, key, "example.ir")).replace("{TO}", to)
            text = text.replace("{MESSAGE_ID}", row.message_id).replace("Message-I", f"X-Bench: {n}\nMessage-I", 1)
            raw = text.replace("@mail.example.ir>", f".{n}@mail.example.ir>").replace("@fbl.example.net>", f".{n}@fbl>")
            raw = raw.replace("GMR@mx.google.com>", f"{n}@mx.google.com>").replace("<ooo-77@", f"<ooo-{n}@").encode()
            raws.append(raw)
            box.add(mailbox.MaildirMessage(raw))
        print(f"{db.versions()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
              f"{args.messages} sent and reported in {time.perf_counter() - started:.1f} s", flush=True)
        url = f"maildir://{db.home / 'bounces'}"
        for label in ("first run", "again (duplicates)"):
            started = time.perf_counter()
            run = services.mailbox_process(url=url, limit=services.BATCH)
            took = time.perf_counter() - started
            print(f"{label:<20} {took * 1000:8.0f} ms  {took / max(run.read, 1) * 1000:6.1f} ms/message  {run}", flush=True)
            for raw in raws:
                box.add(mailbox.MaildirMessage(raw))
    finally:
        from django.db import connections

        connections.close_all()
        db.drop()


if __name__ == "__main__":
    main()
