"""Database rows → the engine's plain facts: one contact or a chunk of them in a few queries.

Reads contacts and their behaviour through the selectors of contacts and tracking: this
module is the scoring side's adapter to them and the only place that knows their columns.
Events are the contact's non-bot page views and custom events (identify events carry
traits, not behaviour).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.scoring.engine import CompanyFacts, EventFacts, PersonFacts
from sarnakh.scoring.engine.facts import BANT_KEYS, EVENT_TYPES
from sarnakh.tracking import selectors as tracking_selectors

BANT_PROPERTY_PREFIX = "bant_"
_EVENT_COLUMNS = ("id", "contact_id", "type", "occurred_at", "name", "path", "url", "title", "label", "referrer", "properties")


@dataclass(frozen=True)
class ContactFacts:
    contact_id: int
    person: PersonFacts
    events: tuple[EventFacts, ...]
    stage_key: str
    stage_order: int
    stage_kind: str


def account_tz() -> dt.tzinfo:
    """The zone per-day caps count calendar days in (the installation's time zone)."""
    try:
        return zoneinfo.ZoneInfo(settings.TIME_ZONE or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _company(contact) -> CompanyFacts | None:
    company = contact.company
    if company is None:
        return None
    return CompanyFacts(
        name=company.name, domain=company.domain, industry=company.industry, employee_band=company.employee_band,
        revenue_band=company.revenue_band, country=company.country, properties=dict(company.properties or {}),
    )


def person_facts(contact, tags: Iterable[str] = ()) -> PersonFacts:
    properties = dict(contact.properties or {})
    return PersonFacts(
        email=contact.email, job_title=contact.job_title, country=contact.country, city=contact.city,
        language=contact.language, channel=contact.channel, source_type=contact.source_type,
        lead_status=contact.lead_status, stage=contact.stage_id, tags=tuple(sorted(tags)), properties=properties,
        bant={key: properties.get(BANT_PROPERTY_PREFIX + key) for key in BANT_KEYS if properties.get(BANT_PROPERTY_PREFIX + key) is not None},
        company=_company(contact),
    )


def _event(row: dict) -> EventFacts:
    return EventFacts(
        id=row["id"], type=row["type"], at=row["occurred_at"], name=row["name"], path=row["path"], url=row["url"],
        title=row["title"], label=row["label"], referrer=row["referrer"], properties=row["properties"] or {},
    )


def events_by_contact(contact_ids: Iterable[int]) -> dict[int, list[EventFacts]]:
    found: dict[int, list[EventFacts]] = defaultdict(list)
    ids = list(contact_ids)
    if not ids:
        return found
    rows = (
        tracking_selectors.human_events().filter(contact_id__in=ids, type__in=EVENT_TYPES)
        .order_by("occurred_at", "id").values(*_EVENT_COLUMNS)
    )
    for row in rows.iterator(chunk_size=2000):
        found[row["contact_id"]].append(_event(row))
    return found


def facts_for_contacts(contacts: list) -> dict[int, ContactFacts]:
    """Facts of already loaded contacts (with stage and company selected)."""
    ids = [c.pk for c in contacts]
    tags = contact_selectors.tag_names_by_contact(ids)
    events = events_by_contact(ids)
    return {
        c.pk: ContactFacts(
            contact_id=c.pk, person=person_facts(c, tags.get(c.pk, ())), events=tuple(events.get(c.pk, ())),
            stage_key=c.stage_id, stage_order=c.stage.order, stage_kind=c.stage.kind,
        )
        for c in contacts
    }


def facts_for_ids(contact_ids: Iterable[int]) -> dict[int, ContactFacts]:
    """Facts of the live contacts among `contact_ids` (merged-away ones are skipped)."""
    contacts = list(contact_selectors.live_contacts().filter(pk__in=list(contact_ids)).select_related("stage", "company"))
    return facts_for_contacts(contacts)
