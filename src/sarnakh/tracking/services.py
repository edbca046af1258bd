"""Writes of the tracking app other apps call: a form submission's place in the visitor's
history, back-end events about a contact, and contact merges. (Sites, channel rules and retention: sites/services.py.)"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.db import transaction

from sarnakh.core.events import publish
from sarnakh.tracking import identity, ingest, processor
from sarnakh.tracking.events import BehaviourRecorded
from sarnakh.tracking.models import Event, Session, Visitor

INTERNAL_SOURCE = processor.INTERNAL_SOURCE


def form_submission_track(
    *, submission_id: int, contact_id: int, visitor_id: str, at: dt.datetime, form_slug: str, form_name: str,
    page_url: str = "", referrer: str = "",
) -> None:
    """Links the submitting visitor to the contact and records a `form_submitted` event
    (for the visit's timeline, scoring and triggers). Idempotent by submission id.
    Runs inside the transaction that processes the submission."""
    if visitor_id:
        identity.visitor_link(visitor_id=visitor_id, contact_id=contact_id, via="form", at=at)
    row = {
        "source": INTERNAL_SOURCE, "event_id": f"form-{submission_id}", "site_id": None, "type": Event.Type.TRACK,
        "name": "form_submitted", "visitor_id": visitor_id, "occurred_at": at, "received_at": at,
        "url": page_url[:2000], "path": _path(page_url), "title": "", "referrer": referrer[:2000], "label": form_name[:200],
        "properties": {"form": form_slug, "submission_id": submission_id}, "context": {"contact_id": contact_id},
    }
    ingest.events_insert([row])
    # Attached to the contact now, not when processed: the form's own transaction announces
    # the submission (form.submitted) and whoever reacts (scoring) must already see it.
    Event.objects.filter(source=INTERNAL_SOURCE, event_id=row["event_id"], contact_id__isnull=True).update(contact_id=contact_id)
    transaction.on_commit(processor.wake)


def _path(url: str) -> str:
    try:
        return urlsplit(url).path[:1000] if url else ""
    except ValueError:
        return ""


def contact_merged(*, loser_id: int, survivor_id: int, actor: str = "") -> None:
    """The merged-away contact's behaviour belongs to the survivor; announced as the
    survivor's behaviour, so whoever reacts to behaviour (scoring) sees it there."""
    moved = Event.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Session.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    Visitor.objects.filter(contact_id=loser_id).update(contact_id=survivor_id)
    if moved:
        publish(BehaviourRecorded(contact_id=survivor_id, events=moved, via="merged"), actor=actor)
