"""A real SMTP server (aiosmtpd) started by the test; delivery sends to it."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field

import pytest

from tests.smtp_server import smtp_server


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    raw: bytes
    message: email.message.EmailMessage
    peer: tuple


@dataclass
class Sink:
    """Keeps what it received; `refuse` maps a recipient to the reply RCPT gets."""

    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    peers: set = field(default_factory=set)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.peers.add(session.peer)
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw, message, session.peer))
        return "250 OK"

    @property
    def sessions(self) -> int:
        """SMTP connections opened (each has its own client port)."""
        return len(self.peers)


@pytest.fixture
def sink(settings):
    box = Sink()
    with smtp_server(box, settings):
        yield box
