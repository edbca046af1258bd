"""The events bounce and ESP feedback publish besides delivery's `email.bounced`: a message
reached the recipient's server (an ESP said so), or the recipient reported it as spam.
Registered through sarnakh/mail/events.py (core autodiscovers `<app>.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("email.delivered", label=_("Email delivered"))
@dataclass(frozen=True, kw_only=True)
class EmailDelivered(DomainEvent):
    email_id: int = 0
    to_address: str = ""
    esp: str = ""


@domain_event("email.complained", label=_("Email reported as spam"))
@dataclass(frozen=True, kw_only=True)
class EmailComplained(DomainEvent):
    """`via`: `arf` (a feedback report in the bounce mailbox) or `esp:<name>`."""

    email_id: int = 0
    to_address: str = ""
    via: str = ""
