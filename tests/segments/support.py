"""Contacts and page views for the segment page tests, through the contacts service (page
views straight into tracking's table, as the filter tests do)."""

from __future__ import annotations

import datetime as dt
import itertools

from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.tracking.models import Event

_ids = itertools.count(1)


def person(email: str, *, stage: str = "lead", first_name: str = "", country: str = "", tags: list[str] | None = None) -> int:
    data = {"email": email, "stage": stage, "first_name": first_name or email.split("@")[0].title()}
    if country:
        data["country"] = country
    if tags:
        data["tags"] = tags
    return contact_upsert(data=data, actor=Actor.system("tests")).contact.pk


def page_view(contact_id: int, path: str, *, days_ago: float = 1) -> None:
    at = clock.now() - dt.timedelta(days=days_ago)
    n = next(_ids)
    Event.objects.create(source="internal", event_id=f"pv-{contact_id}-{n}", type="page_view", occurred_at=at,
                         received_at=at, processed_at=at, path=path, url="https://example.com" + path,
                         contact_id=contact_id, visitor_id=f"v{contact_id}")


# The example: MOFU leads who read pricing twice this fortnight, fit A/B (here: any grade
# is not asked, the tests have no scores), not customers.
PRICING_TWICE = {"match": "all", "conditions": [
    {"field": "stage", "op": "in", "value": ["lead", "mql"]},
    {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
]}
