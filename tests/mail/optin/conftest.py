"""A real SMTP server (aiosmtpd) receiving the confirmation emails, and a double opt-in form."""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field

import pytest

from sarnakh.mail.subscriptions import services as subscriptions
from tests.capture.forms.support import make_form
from tests.smtp_server import smtp_server


@dataclass
class Inbox:
    messages: list = field(default_factory=list)
    refuse: dict = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def inbox(settings):
    box = Inbox()
    with smtp_server(box, settings):
        yield box


@pytest.fixture(autouse=True)
def shipped_topics(request):
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        subscriptions.topic_seed_defaults()


def double_opt_in_form(slug: str = "newsletter-signup", **overrides):
    return make_form(slug=slug, double_opt_in=True, **overrides)


def parts(message) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def link_path(message, prefix: str) -> str:
    """The path of the first link to `prefix` in the plain-text part (as a reader clicks it)."""
    text, _html = parts(message)
    found = re.search(r"https?://[^/\s]+(" + re.escape(prefix) + r"[^\s?]+)", text)
    assert found, text
    return found.group(1)
