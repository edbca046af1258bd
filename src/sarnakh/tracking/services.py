"""Writes of the tracking app other apps call: a form submission's place in the visitor's
history, back-end events about a contact, and contact merges. (Sites, channel rules and retention: sites/services.py.)"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import transaction

from sarnakh.tracking import identity
from sarnakh.tracking.models import Event, Session, Visitor

INTERNAL_SOURCE = "internal"


def form_submission_track(
    *, submission_id: int, contact_id: int, visitor_id: str, at: dt.datetime, form_slug: str, form_name: str,
    page_url: str = "", referrer: str = "",
) -> None:
    """Links the submitting visitor to the contact and records a `form_submitted` event
    (for the visit's timeline, scoring and triggers). Idempotent by submission id.
    Runs inside the transaction that processes the submission."""
    from sarnakh.tracking import ingest, processor

    if visitor_id:
        identity.visitor_link(visitor_id=visitor_id, contact_id=contact_id, via="form", at=at)
    row = {
        "source": INTERNAL_SOURCE, "event_id": f"form-{submission_id}", "site_id": None, "type": Event.Type.TRACK,
        "name": "form_submitted", "visitor_id": visitor_id, "occurred_at": at, "received_at": at,
        "url": page_url[:2000], "path": _path(page_url), "title": "", "referrer": referrer[:2000], "label": form_name[:200],
        "properties": {"form": form_slug, "submission_id": submission_id}, "context": {"contact_id": contact_id},
    }
    ingest.events_insert([row])
    transaction.on_commit(processor.wake)


def internal_event_record(
    *, event_id: str, name: str, contact_id: int, at: dt.datetime, label: str = "", properties: dict | None = None,
) -> None:
    """Records a back-end event about a contact (scoring's `became_mql`), processed behind
    the caller's commit like any event. Idempotent by event id."""
    from sarnakh.tracking import ingest, processor

    ingest.events_insert([{
        "source": INTERNAL_SOURCE, "event_id": event_id, "site_id": None, "type": Event.Type.TRACK,
        "name": name, "visitor_id": "", "occurred_at": at, "received_at": at, "url": "", "path": "",
        "title": "", "referrer": "", "label": label[:200], "properties": properties or {},
        "context": {"contact_id": contact_id},
    }])
    transaction.on_commit(processor.wake)


def _path(url: str) -> str:
    try:
        return urlsplit(url).path[:1000] if url else ""
    except ValueError:
        return ""


def contact_merged(*, loser_id: int, survivor_id: int) -> None:
    """The merged-away contact's behaviour belongs to the survivor."""
    Event.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Session.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Visitor.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
