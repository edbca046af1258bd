"""The events delivery publishes: a message left for a recipient, or was refused for good
at send time. Registered through sarnakh/mail/events.py (core autodiscovers `<app>.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("email.sent", label=_("Email sent"))
@dataclass(frozen=True, kw_only=True)
class EmailSent(DomainEvent):
    email_id: int = 0
    to_address: str = ""
    kind: str = ""  # marketing | transactional
    subject: str = ""
    message_id: str = ""
    sender_id: int = 0


@domain_event("email.bounced", label=_("Email bounced"))
@dataclass(frozen=True, kw_only=True)
class EmailBounced(DomainEvent):
    """`bounce`: `hard` (permanent: 5xx at send time, or a DSN) or `soft`."""

    email_id: int = 0
    to_address: str = ""
    bounce: str = "hard"
    reason: str = ""
