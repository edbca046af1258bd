"""Email campaigns at scale: a personalised, DKIM-signed broadcast to a local SMTP sink
(issue 14's benchmark).

    .venv/bin/python bench/mail_campaign.py --db sqlite                     # 100,000 recipients, 1 then 2 workers
    .venv/bin/python bench/mail_campaign.py --db postgres
    .venv/bin/python bench/mail_campaign.py --db sqlite --contacts 5000     # smoke run
    .venv/bin/python bench/mail_campaign.py --db sqlite --profile           # cProfile of one worker, top 25

A fresh database (PostgreSQL `sarnakh_bench_campaign`, created and dropped; SQLite in a
temporary home) is migrated and filled in bulk: `--contacts` subscribed contacts (70%
Persian names, a company each), a sender with a generated 2048-bit DKIM key, a Persian
template using first name, company and a custom property. For each worker count in
`--workers` a new campaign over all contacts is scheduled (the audience frozen: timed) and
sent by `sarnakh mail send-campaign ID --workers N` in a child process to an aiosmtpd sink
in another child process that counts messages per recipient. Printed: freeze time,
messages/s overall and per worker, each worker's peak RSS, duplicates and losses at the
sink. The limits are off (rate, frequency cap, quiet hours): the engine's own speed is
measured. Link tracking is not measured until email_send has `track` (h-tracking)."""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PERSIAN_FIRST, PERSIAN_LAST, SARNAKH, BenchDatabase  # noqa: E402

SINK = textwrap.dedent('''
    import asyncio, collections, os, signal, sys, time
    from aiosmtpd.controller import Controller
    counts = collections.Counter()
    class Handler:
        async def handle_DATA(self, server, session, envelope):
            for rcpt in envelope.rcpt_tos:
                counts[rcpt] += 1
            return "250 OK"
    controller = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    out = sys.argv[2]
    def dump(*_):
        with open(out, "w") as f:
            f.write(f"{len(counts)} {sum(counts.values())} {max(counts.values(), default=0)}\\n")
    signal.signal(signal.SIGUSR1, dump)
    signal.signal(signal.SIGTERM, lambda *_: (dump(), controller.stop(), sys.exit(0)))
    parent = os.getppid()
    while os.getppid() == parent:  # ends with the benchmark, even one that died without stopping it
        time.sleep(1)
    dump(); controller.stop()
''')

HTML = ("<div dir='rtl'><h1>سلام {{ contact.first_name | default('دوست عزیز') }}</h1>"
        "<p>خبرنامهٔ آذر {{ company.name | default('') }}: طرح {{ contact.properties.plan | default('پایه') }}.</p>"
        "<p><a href='https://www.example.ir/offer?src=azar'>پیشنهاد ویژه</a> · "
        "<a href='https://www.example.ir/blog/lead-scoring'>مقاله</a></p></div>")


def setup_django(db: BenchDatabase, port: int) -> None:
    os.environ.update(db.env(**limits_env(port)))
    os.environ["DJANGO_SETTINGS_MODULE"] = "sarnakh.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def limits_env(port: int) -> dict[str, str]:
    return {"SARNAKH_EMAIL_URL": f"smtp://127.0.0.1:{port}", "SARNAKH_CAMPAIGN_RATE": "0", "SARNAKH_CAMPAIGN_DOMAIN_RATE": "0",
            "SARNAKH_CAMPAIGN_FREQUENCY_CAP": "0/0", "SARNAKH_CAMPAIGN_QUIET_HOURS": "", "SARNAKH_BASE_URL": "https://crm.example.ir"}


def fill(n: int) -> None:
    from sarnakh.contacts.models import Company, Contact
    from sarnakh.core import clock

    rng = random.Random(1405)
    now = clock.now()
    companies = Company.objects.bulk_create([Company(name=f"شرکت {i}", domain=f"co{i}.ir", created_at=now, updated_at=now)
                                             for i in range(200)])
    for start in range(0, n, 10_000):
        rows = []
        for i in range(start, min(n, start + 10_000)):
            (first, latin), (last, last_latin) = rng.choice(PERSIAN_FIRST), rng.choice(PERSIAN_LAST)
            rows.append(Contact(email=f"{latin}.{last_latin}.{i}@{('gmail.com', 'yahoo.com', 'co.ir', 'example.ir')[i % 4]}",
                                first_name=first, last_name=last, consent="subscribed", stage_id="lead",
                                company=companies[i % 200], properties={"plan": rng.choice(["طلایی", "نقره‌ای", ""])},
                                created_at=now, updated_at=now))
        Contact.objects.bulk_create(rows, batch_size=5000)
    from django.db import connection

    if connection.vendor == "postgresql":  # as autovacuum would soon: the planner needs the new rows' statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def make_campaign(name: str) -> int:
    from sarnakh.core.actor import Actor
    from sarnakh.mail.campaigns import services
    from sarnakh.mail.content import services as content
    from sarnakh.mail.delivery import services as delivery
    from sarnakh.mail.subscriptions import services as subscriptions

    subscriptions.topic_seed_defaults()
    sender = delivery.sender_default() if delivery.SenderIdentity.objects.exists() else None
    if sender is None or not sender.dkim_private_key:
        sender = delivery.sender_create(from_name="تیم سرنخ", from_address="news@example.ir", is_default=True)
        sender = delivery.sender_generate_dkim(sender_id=sender.pk, selector="bench")
    template = content.template_create(name=name, subject="{{ contact.first_name }}، خبرنامهٔ آذر", html=HTML, language="fa")
    campaign = services.campaign_create(actor=Actor.system("bench"), name=name, template_id=template.pk, sender_id=sender.pk,
                                        topic="newsletter", audience_kind="filter", track_links=True,
                                        audience_filter={"match": "all", "conditions": [
                                            {"field": "consent", "op": "eq", "value": "subscribed"}]})
    return campaign.pk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--workers", default="1,2", help="worker counts to run, comma-separated")
    parser.add_argument("--profile", action="store_true", help="profile one in-process worker over 2,000 recipients instead")
    args = parser.parse_args()
    db = BenchDatabase(args.db, "sarnakh_bench_campaign").create()
    from tests.core.sarnakh_process import free_port  # noqa: E402 - the repository root is on the path below

    port = free_port()
    counts_file = Path(tempfile.mkstemp(prefix="sink-")[1])
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port), str(counts_file)], stdout=subprocess.PIPE, text=True)
    sink.stdout.readline()
    try:
        setup_django(db, port)
        started = time.monotonic()
        fill(args.contacts)
        print(f"{db.versions()}, {args.contacts:,} contacts filled in {time.monotonic() - started:.1f} s", flush=True)
        from sarnakh.core.actor import Actor
        from sarnakh.mail.campaigns import services

        runs = 0
        for workers in [int(w) for w in args.workers.split(",")]:
            campaign_id = make_campaign(f"Azar {workers}")
            started = time.monotonic()
            services.campaign_schedule(actor=Actor.system("bench"), campaign_id=campaign_id)
            print(f"workers={workers}: audience frozen in {time.monotonic() - started:.1f} s", flush=True)
            from django.db import connections

            connections.close_all()
            if args.profile:
                profile(campaign_id)
                return
            started = time.monotonic()
            done = subprocess.run([str(SARNAKH), "mail", "send-campaign", str(campaign_id), "--workers", str(workers)],
                                  env={**db.env(**limits_env(port)), "PYTHONPATH": os.environ.get("PYTHONPATH", "")},
                                  capture_output=True, text=True, check=False)
            elapsed = time.monotonic() - started
            print(done.stdout.strip(), done.stderr.strip()[-2000:], sep="\n", flush=True)
            sink.send_signal(10)  # SIGUSR1: write the counts
            time.sleep(0.5)
            recipients, messages, most = (int(x) for x in counts_file.read_text().split())
            runs += 1
            print(f"workers={workers}: {args.contacts:,} messages in {elapsed:.1f} s = {args.contacts / elapsed:.0f}/s "
                  f"({args.contacts / elapsed / workers:.0f}/s per worker); sink so far: {recipients:,} recipients, "
                  f"{messages:,} messages, at most {most} to one recipient after {runs} campaign(s); load {os.getloadavg()[0]:.1f}",
                  flush=True)
    finally:
        sink.terminate()
        sink.wait()
        db.drop()


def _install_timers():
    """BENCH_BREAKDOWN=1 with --profile: wall time per step of the send path, per message."""
    import collections

    from sarnakh.mail.campaigns import sending
    from sarnakh.mail.delivery import message, services, transport

    spent = collections.Counter()

    def wrap(owner, name, label):
        inner = getattr(owner, name)

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - started

        setattr(owner, name, timed)

    for owner, name, label in (
        (sending, "render_email", "render"), (message, "build_message", "build (MIME)"), (message, "sign", "DKIM sign"),
        (transport.SmtpTransport, "send", "SMTP"), (services, "_refusal", "gate"), (services, "_claim", "key claim"),
        (services, "_record", "record sent"), (services, "publish", "event"), (services, "timeline_write_many", "timeline"),
        (services.subscription_links, "unsubscribe_url", "unsubscribe URL"), (sending.delivery, "email_send", "email_send"),
        (sending, "_batch", "batch"), (sending, "_save", "save outcomes"), (sending, "claim", "claim rows"),
        (sending.contact_selectors, "merge_fields_many", "merge fields"),
    ):
        wrap(owner, name, label)
    return spent


def profile(campaign_id: int) -> None:
    import cProfile
    import pstats

    from sarnakh.mail.campaigns import sending
    from sarnakh.urls import urlpatterns  # noqa: F401 - the URL conf (reverse) loads once, not measured

    if os.environ.get("BENCH_MEMORY"):  # what grows while a worker sends (tracemalloc, top 15)
        import tracemalloc

        sending.run_worker(campaign_id, max_seconds=5, share=1)
        import gc

        tracemalloc.start(10)
        gc.collect()
        before = tracemalloc.take_snapshot()
        result = sending.run_worker(campaign_id, max_seconds=40, share=1)
        gc.collect()
        after = tracemalloc.take_snapshot()
        print(f"memory: {result.sent} more sent")
        for stat in after.compare_to(before, "traceback")[:6]:
            print(stat)
            for line in stat.traceback.format()[-12:]:
                print("   ", line)
        return
    if os.environ.get("BENCH_BREAKDOWN"):
        timings = _install_timers()
        from django.db import connection

        queries = []

        def count(execute, sql, params, many, context):
            queries.append(1)
            return execute(sql, params, many, context)

        started = time.monotonic()
        with connection.execute_wrapper(count):
            result = sending.run_worker(campaign_id, max_seconds=15, share=1)
        print(f"timed: {result.sent} sent in {time.monotonic() - started:.1f} s, "
              f"{len(queries) / max(1, result.sent):.1f} queries per message; load {os.getloadavg()[0]:.1f}")
        for label, seconds in timings.most_common():
            print(f"  {label:12} {seconds * 1000 / max(1, result.sent):.2f} ms per message")
        return
    profiler = cProfile.Profile()
    profiler.enable()
    started = time.monotonic()
    result = sending.run_worker(campaign_id, max_seconds=15, share=1)
    profiler.disable()
    print(f"profiled: {result.sent} sent in {time.monotonic() - started:.1f} s")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
