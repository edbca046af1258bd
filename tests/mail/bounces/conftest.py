"""Bounce fixtures: real-world report formats (tests/mail/bounces/fixtures/*.eml) with the
VERP address, recipient and original Message-ID of a message sent in the test filled in,
and a marketing message sent to a subscribed contact (through the outbox)."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest

from sarnakh.core.actor import Actor
from sarnakh.mail.delivery import message, services
from sarnakh.mail.delivery.models import OutboundEmail

FIXTURES = Path(__file__).parent / "fixtures"


def report(name: str, *, row: OutboundEmail | None = None, to: str = "", message_id: str = "", email_id: int = 0) -> bytes:
    """The fixture `name` as if it came back for `row` (or for `to`, `message_id`, `email_id`)."""
    to = row.to_address if row is not None else to
    message_id = row.message_id if row is not None else message_id
    email_id = row.pk if row is not None else email_id
    verp = message.verp_address(email_id, services.verp_key(), "example.ir") if email_id else "bounces@example.ir"
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return text.replace("{VERP}", verp).replace("{TO}", to).replace("{MESSAGE_ID}", message_id or "<none@example.ir>").encode()


def subscriber(address: str) -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": address, "first_name": "مریم", "consent": "subscribed"},
                          actor=Actor.system("tests")).contact.pk


def send(key: str, to: str = "maryam@example.org", *, contact_id: int | None = None) -> OutboundEmail:
    """A marketing message to a subscribed contact at `to`, through the outbox."""
    contact_id = contact_id or subscriber(to)
    return services.email_send(to=to, idempotency_key=key, subject="خبرنامهٔ آذر", html="<p>سلام</p>", text="سلام",
                               kind="marketing", contact_id=contact_id)


@pytest.fixture
def sender(db):
    return services.sender_create(from_name="تیم سرنخ", from_address="news@example.ir")


@pytest.fixture
def maildir(tmp_path, settings):
    """An empty Maildir configured as SARNAKH_BOUNCE_MAILBOX."""
    path = tmp_path / "bounces"
    box = mailbox.Maildir(path, create=True)
    settings.SARNAKH_BOUNCE_MAILBOX = f"maildir://{path}"
    return box
