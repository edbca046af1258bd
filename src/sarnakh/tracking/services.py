"""Writes of the tracking app that are not ingestion or processing: identity links,
merges. (Sites, channel rules and retention live in site_services.py.)"""

from __future__ import annotations


def contact_merged(*, loser_id: int, survivor_id: int) -> None:
    from sarnakh.tracking.models import Event, Session, Visitor

    Event.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Session.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Visitor.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
