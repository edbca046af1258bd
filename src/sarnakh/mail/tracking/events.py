"""The events tracking publishes: a sent message was opened (its pixel loaded) or one of
its links was clicked. `machine` says whether Sarnakh judged it a machine (Apple's proxy
prefetch, a security scanner, a bot): recorded, but nothing that decides should count it.
Registered through sarnakh/mail/events.py (core autodiscovers `<app>.events`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("email.opened", label=_("Email opened"))
@dataclass(frozen=True, kw_only=True)
class EmailOpened(DomainEvent):
    email_id: int = 0
    engagement_id: int = 0
    machine: bool = False
    machine_reason: str = ""


@domain_event("email.clicked", label=_("Email link clicked"))
@dataclass(frozen=True, kw_only=True)
class EmailClicked(DomainEvent):
    email_id: int = 0
    engagement_id: int = 0
    url: str = ""
    machine: bool = False
    machine_reason: str = ""
