"""A 10,000-recipient campaign whose worker processes are killed with SIGKILL twice while
sending, then resumed: a real SMTP server in this process counts the messages each
recipient got. Nobody gets two; nobody is left out (the end-of-data dot is held in the
kernel before "sent" is committed: docs/email-campaigns.md, "Exactly once")."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from aiosmtpd.controller import Controller
from django.db import connection

from sarnakh.core import clock
from sarnakh.mail.campaigns import services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from tests.core.sarnakh_process import (
    command,
    database_url_of,
    free_port,
    sarnakh_env,
    source_pythonpath,
)
from tests.mail.campaigns.conftest import ACTOR, a_list, campaign, people

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 10_000
WORKERS = 2


class Counting:
    def __init__(self):
        self.counts: Counter[str] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.counts[rcpt] += 1
        return "250 OK"

    def total(self) -> int:
        with self.lock:
            return sum(self.counts.values())


def _start(tmp_path, campaign_id: int, port: int, *extra: str) -> subprocess.Popen:
    env = sarnakh_env(tmp_path / "home", SARNAKH_DATABASE_URL=database_url_of(connection.settings_dict),
                      PYTHONPATH=source_pythonpath(), SARNAKH_EMAIL_URL=f"smtp://127.0.0.1:{port}",
                      SARNAKH_CAMPAIGN_RATE="0", SARNAKH_CAMPAIGN_DOMAIN_RATE="0", SARNAKH_CAMPAIGN_QUIET_HOURS="",
                      SARNAKH_CAMPAIGN_FREQUENCY_CAP="0/0", SARNAKH_CAMPAIGN_LEASE="3", SARNAKH_EMAIL_SEND_LEASE="3")
    return subprocess.Popen([*command(), "mail", "send-campaign", str(campaign_id), "--workers", str(WORKERS), *extra],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _kill_when(child: subprocess.Popen, sink: Counting, at_least: int) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and sink.total() < at_least and child.poll() is None:
        time.sleep(0.02)
    os.killpg(child.pid, signal.SIGKILL)  # the command and its worker processes, mid-send
    killed_at = clock.now()
    child.wait(timeout=30)
    return killed_at


def _missing(c: Campaign, counts: Counter, kills: list) -> str:
    """What the log says of each recipient the server never got (to tell a crash window
    from another loss)."""
    lines = [f"killed at {', '.join(k.isoformat() for k in kills)}"]
    for row in CampaignRecipient.objects.filter(campaign=c).select_related("email_log").order_by("pk"):
        address = row.email or ""
        if address and counts.get(address):
            continue
        log = row.email_log
        lines.append(f"{address or row.contact_id}: recipient {row.status} attempts={row.attempts} sent_at={row.sent_at}; "
                     + (f"log {log.status} attempts={log.attempts} sent_at={log.sent_at.isoformat() if log.sent_at else None} "
                        f"error={log.last_error!r}" if log else "no log row"))
    return "\n".join(lines[:20])


def test_given_workers_killed_twice_mid_send_when_resumed_then_each_recipient_got_exactly_one_message(tmp_path):
    c = campaign(a_list(people(RECIPIENTS)))
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)
    sink = Counting()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    started = time.monotonic()
    try:
        kills = [_kill_when(_start(tmp_path, c.pk, controller.port), sink, at_least=RECIPIENTS // 4)]
        first = sink.total()
        kills.append(_kill_when(_start(tmp_path, c.pk, controller.port), sink, at_least=first + RECIPIENTS // 4))
        second = sink.total()
        last = _start(tmp_path, c.pk, controller.port, "--wait", "--max-seconds", "600")
        output, _ = last.communicate(timeout=660)
    finally:
        controller.stop()
    seconds = time.monotonic() - started

    counts = sink.counts
    twice = {address: n for address, n in counts.items() if n > 1}
    missing = RECIPIENTS - len(counts)
    assert first < second < RECIPIENTS, "killed too late: a bigger campaign is needed"
    assert not twice, f"sent more than once: {len(twice)} recipients"
    assert missing == 0, f"{missing} recipients never got it ({seconds:.0f} s)\n{output}\n{_missing(c, counts, kills)}"
    rows = CampaignRecipient.objects.filter(campaign=c)
    assert rows.filter(status="sent").count() == RECIPIENTS, output
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.SENT
    print(f"crash test: killed at {first} and {second} messages; {RECIPIENTS} recipients once each in {seconds:.0f} s")
