"""The end-of-data dot is handed to the kernel held back before "sent" is committed: a
process that dies after the hand-over still sends it, and a caller whose commit fails
takes it back (the server keeps nothing)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from django.conf import settings as django_settings

from sarnakh.config import EmailConfig
from sarnakh.mail.delivery.transport import SmtpTransport
from tests.core.sarnakh_process import source_pythonpath

MESSAGE = b"From: a@example.org\r\nTo: b@example.org\r\nSubject: Azar\r\n\r\nHi\r\n"

DIES_AFTER_QUEUEING = textwrap.dedent("""
    import os, signal, sys
    from sarnakh.config import EmailConfig
    from sarnakh.mail.delivery.transport import SmtpTransport

    transport = SmtpTransport(EmailConfig(backend="smtp", host="127.0.0.1", port=int(sys.argv[1])))
    transport.open()

    def at_end(queue_end, release_end):
        queue_end()
        os.kill(os.getpid(), signal.SIGKILL)  # before the commit it would have made

    transport.send(envelope_from="a@example.org", recipients=["b@example.org"], data=sys.stdin.buffer.read(), at_end=at_end)
""")


def _transport() -> SmtpTransport:
    return SmtpTransport(EmailConfig(backend="smtp", host="127.0.0.1", port=django_settings.EMAIL_PORT, timeout=5))


def _received_within(sink, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not sink.received:
        time.sleep(0.02)
    return len(sink.received)


def test_given_a_process_killed_after_queueing_the_dot_then_the_server_still_takes_the_message(sink):
    child = subprocess.run([sys.executable, "-c", DIES_AFTER_QUEUEING, str(django_settings.EMAIL_PORT)], input=MESSAGE,
                           env={"PYTHONPATH": source_pythonpath(), "PATH": "/usr/bin:/bin"}, capture_output=True, timeout=60)

    assert child.returncode == -9, child.stderr.decode()
    assert _received_within(sink, 5) == 1
    assert sink.received[0].recipients == ["b@example.org"]


def test_given_the_callers_commit_fails_after_queueing_then_the_server_keeps_nothing(sink):
    def at_end(queue_end, release_end):
        queue_end()
        raise RuntimeError("COMMIT failed")

    with _transport() as transport, pytest.raises(RuntimeError):
        transport.send(envelope_from="a@example.org", recipients=["b@example.org"], data=MESSAGE, at_end=at_end)

    assert _received_within(sink, 0.5) == 0


def test_given_a_caller_that_only_queues_then_the_transport_releases_the_dot(sink):
    with _transport() as transport:
        transport.send(envelope_from="a@example.org", recipients=["b@example.org"], data=MESSAGE,
                       at_end=lambda queue_end, release_end: queue_end())
        transport.send(envelope_from="a@example.org", recipients=["c@example.org"], data=MESSAGE,
                       at_end=lambda queue_end, release_end: (queue_end(), release_end()))

    assert [r.recipients for r in sink.received] == [["b@example.org"], ["c@example.org"]]


def test_given_a_caller_that_never_queues_then_nothing_is_sent_and_it_is_an_error(sink):
    with _transport() as transport, pytest.raises(RuntimeError):
        transport.send(envelope_from="a@example.org", recipients=["b@example.org"], data=MESSAGE,
                       at_end=lambda queue_end, release_end: None)

    assert _received_within(sink, 0.5) == 0
