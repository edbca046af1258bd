"""Webhooks hear every domain event: each is fanned out to the active webhooks that want it."""

from __future__ import annotations

from sarnakh.core.events import ALL_EVENTS, Envelope, subscribe
from sarnakh.webhooks.delivery_services import deliveries_create
from sarnakh.webhooks.selectors import any_webhook_wants


# fast: deliveries start right after the change commits (about a second to the receiver);
# the outbox job of this subscriber stays the guarantee. `when`: with no webhook wanting
# the events, a change gets no delivery for webhooks at all.
@subscribe(ALL_EVENTS, key="webhooks.fan_out", fast=True, when=any_webhook_wants)
def fan_out(envelopes: list[Envelope]) -> None:
    deliveries_create(envelopes)
