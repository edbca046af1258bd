"""Writes of the tracking app other apps call: a form submission's place in the visitor's
history, back-end events about a contact (email opens, clicks and bounces), and contact merges. (Sites, channel rules and retention: sites/services.py.)"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from sarnakh.contacts import selectors as contacts
from sarnakh.core import clock
from sarnakh.core.events import publish, publish_many
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


@dataclass(frozen=True)
class ContactEvent:
    """Something another app saw a contact do: `name` is a tracking event name (scoring
    rules and behaviour conditions match it, e.g. `email_click`); `event_id` makes it
    idempotent (at most 64 characters)."""

    contact_id: int
    name: str
    event_id: str
    at: dt.datetime
    url: str = ""
    label: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


MAX_CONTACT_EVENTS = 1000  # per call


def contact_events_record(*, events: list[ContactEvent], actor: Any = "") -> int:
    """Stores other apps' events about contacts (mail: `email_open`, `email_click`,
    `email_bounced`) as internal track events on each contact (a merged-away contact's go
    to the survivor; a deleted contact's are dropped), and announces each contact's new ones
    as `behaviour.recorded` (`via: recorded`), so scoring, segments and list hygiene read
    them like any tracked behaviour. Idempotent by `event_id`: a repeat stores and announces
    nothing. Runs inside the caller's transaction; returns how many were new."""
    if len(events) > MAX_CONTACT_EVENTS:
        raise ValueError(f"at most {MAX_CONTACT_EVENTS} events per call")
    now = clock.now()
    live: dict[int, int | None] = {}
    rows: list[dict[str, Any]] = []
    ids_by_contact: dict[int, list[str]] = defaultdict(list)
    names_by_contact: dict[int, set[str]] = defaultdict(set)
    last_by_contact: dict[int, dt.datetime] = {}
    for event in events:
        if event.contact_id not in live:
            live[event.contact_id] = contacts.resolve_contact_id(event.contact_id)[0]
        contact_id = live[event.contact_id]
        if contact_id is None:
            continue
        event_id = event.event_id[:64]
        rows.append({
            "source": INTERNAL_SOURCE, "event_id": event_id, "site_id": None, "type": Event.Type.TRACK,
            "name": event.name[:100], "visitor_id": "", "occurred_at": event.at, "received_at": now, "url": event.url[:2000],
            "path": _path(event.url), "title": "", "referrer": "", "label": event.label[:200],
            "properties": event.properties, "context": {"contact_id": contact_id},
        })
        ids_by_contact[contact_id].append(event_id)
        names_by_contact[contact_id].add(event.name[:100])
        last_by_contact[contact_id] = max(event.at, last_by_contact.get(contact_id, event.at))
    if not rows:
        return 0
    with transaction.atomic():
        ingest.events_insert(rows)
        announced = []
        for contact_id, event_ids in sorted(ids_by_contact.items()):
            # Attached now (not when processed): whoever reacts to the announcement must see them.
            new = Event.objects.filter(source=INTERNAL_SOURCE, event_id__in=event_ids, contact_id__isnull=True).update(contact_id=contact_id)
            if new:
                announced.append(BehaviourRecorded(contact_id=contact_id, events=new, names=sorted(names_by_contact[contact_id]),
                                                   last_at=last_by_contact[contact_id].isoformat(), via="recorded"))
        publish_many(announced, actor=actor)
    transaction.on_commit(processor.wake)
    return sum(e.events for e in announced)


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
