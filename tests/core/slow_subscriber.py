"""A test plug-in (SARNAKH_PLUGINS): an event type and a slow subscriber whose effect is a
database row, so a worker killed mid-delivery shows whether the effect happened twice."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sarnakh.contacts.models import Tag
from sarnakh.core.events import DomainEvent, Envelope, domain_event, subscribe

PAUSE_SECONDS = 20


@domain_event("test.slow", label="Slow test event")
@dataclass(frozen=True, kw_only=True)
class SlowHappened(DomainEvent):
    token: str = ""


@subscribe("test.slow", key="tests.slow_tag")
def tag_then_wait(envelopes: list[Envelope]) -> None:
    for envelope in envelopes:
        Tag.objects.create(name=envelope.event.token)
    time.sleep(PAUSE_SECONDS)
