"""How tracking reacts to other apps' domain events (core.events)."""

from __future__ import annotations

from sarnakh.core.events import Envelope, subscribe
from sarnakh.tracking import services


@subscribe("contact.merged", fast=True)
def move_behaviour_to_survivor(envelopes: list[Envelope]) -> None:
    """The merged-away contact's visits, events and visitors belong to the survivor; moved
    right after the merge commits, before the page that did it shows the survivor."""
    for envelope in envelopes:
        services.contact_merged(loser_id=envelope.event.loser_id, survivor_id=envelope.event.contact_id, actor=envelope.actor)
