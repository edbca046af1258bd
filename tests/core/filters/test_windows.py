"""Windows at their exact edges, with the clock moved (core.clock.frozen_at) instead of
waiting: a date field, stage history and a behaviour count, in SQL and in Python."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core import clock
from sarnakh.core.filters.compile import evaluate, load_facts, matching_contacts
from sarnakh.tracking.models import Event

NOW = dt.datetime(2026, 6, 1, 9, 30, tzinfo=dt.UTC)
TICK = dt.timedelta(microseconds=1)
DAY = dt.timedelta(days=1)


def one(field, op, value):
    return {"match": "all", "conditions": [{"field": field, "op": op, "value": value}]}


def matches(tree, contact_id, now=None) -> bool:
    """Both ways; they must agree. Without `now`, both read the clock."""
    in_sql = matching_contacts(tree, now=now).filter(pk=contact_id).exists()
    in_python = evaluate(tree, load_facts([contact_id])[contact_id], now=now)
    assert in_sql == in_python
    return in_sql


def contact(created_at):
    return Contact.objects.create(stage_id="lead", email=f"{created_at.timestamp()}@example.com",
                                  created_at=created_at, updated_at=created_at)


@pytest.mark.django_db
@pytest.mark.parametrize(("created", "op", "expected"), [
    (NOW - 14 * DAY, "in_last_days", True),          # the window's first moment is in
    (NOW - 14 * DAY - TICK, "in_last_days", False),
    (NOW, "in_last_days", True),                      # now is in
    (NOW + TICK, "in_last_days", False),              # the future is not "the last N days"
    (NOW - 14 * DAY, "more_than_days_ago", False),    # exactly N days ago is not more than
    (NOW - 14 * DAY - TICK, "more_than_days_ago", True),
    (NOW + 14 * DAY, "in_next_days", True),
    (NOW + 14 * DAY + TICK, "in_next_days", False),
    (NOW, "in_next_days", True),
    (NOW - TICK, "in_next_days", False),
])
def test_relative_dates_at_the_edges(created, op, expected):
    person = contact(created)
    assert matches(one("created_at", op, 14), person.pk, now=NOW) is expected


@pytest.mark.django_db
def test_the_window_slides_with_the_clock():
    person = contact(NOW - 13 * DAY)
    tree = one("created_at", "in_last_days", 14)
    with clock.frozen_at(NOW):
        assert matches(tree, person.pk)
    with clock.frozen_at(NOW + DAY):
        assert matches(tree, person.pk)
    with clock.frozen_at(NOW + DAY + TICK):
        assert not matches(tree, person.pk)


@pytest.mark.django_db
def test_became_mql_in_the_last_30_days_at_the_edge():
    person = contact(NOW - 100 * DAY)
    StageChange.objects.create(contact=person, from_stage="lead", to_stage="mql", changed_at=NOW - 30 * DAY)
    tree = one("stage_reached:mql", "in_last_days", 30)
    assert matches(tree, person.pk, now=NOW)
    assert not matches(tree, person.pk, now=NOW + TICK)
    assert matches(one("stage_reached:mql", "is_set", None), person.pk, now=NOW + 1000 * DAY)


@pytest.mark.django_db
def test_pricing_twice_in_14_days_counts_only_visits_inside_the_window():
    person = contact(NOW - 100 * DAY)
    for n, at in enumerate((NOW - 14 * DAY, NOW - 3 * DAY)):
        Event.objects.create(source="internal", event_id=f"p{n}", type="page_view", path="/pricing",
                             occurred_at=at, received_at=at, contact=person)
    tree = one("page_views", "at_least", {"times": 2, "days": 14, "path": "/pricing*"})
    assert matches(tree, person.pk, now=NOW)
    assert not matches(tree, person.pk, now=NOW + TICK)  # the first visit left the window
    never = one("page_views", "fewer_than", {"times": 1, "days": 14, "path": "/pricing*"})
    assert not matches(never, person.pk, now=NOW)
    assert matches(never, person.pk, now=NOW + 12 * DAY)
