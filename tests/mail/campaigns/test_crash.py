"""A 10,000-recipient campaign whose worker processes are killed with SIGKILL twice while
sending, then resumed: a real SMTP server in this process counts the messages each
recipient got. Nobody gets two; nobody is left out (the one window where a killed worker
loses a message, between recording it sent and the end-of-data dot, is a few microseconds:
docs/email-campaigns.md, "Exactly once")."""

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
    child.wait(timeout=30)


def test_given_workers_killed_twice_mid_send_when_resumed_then_each_recipient_got_exactly_one_message(tmp_path):
    c = campaign(a_list(people(RECIPIENTS)))
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)
    sink = Counting()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    started = time.monotonic()
    try:
        _kill_when(_start(tmp_path, c.pk, controller.port), sink, at_least=RECIPIENTS // 4)
        first = sink.total()
        _kill_when(_start(tmp_path, c.pk, controller.port), sink, at_least=first + RECIPIENTS // 4)
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
    assert missing == 0, f"{missing} recipients never got it ({seconds:.0f} s)\n{output}"
    rows = CampaignRecipient.objects.filter(campaign=c)
    assert rows.filter(status="sent").count() == RECIPIENTS, output
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.SENT
    print(f"crash test: killed at {first} and {second} messages; {RECIPIENTS} recipients once each in {seconds:.0f} s")
