"""The event log read with a cursor over the API, and pruned after its retention."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings

from sarnakh.core import clock, event_log
from sarnakh.core.events import publish
from sarnakh.core.models import EventDelivery, EventRecord
from tests.core.test_events import Happened, Other

pytestmark = pytest.mark.django_db


def _publish(*events):
    with transaction.atomic():
        for event in events:
            publish(event)


def test_the_log_is_followed_with_a_cursor_and_filtered(read_api):
    # given five events about two contacts
    _publish(Happened(contact_id=1, what="a"), Other(contact_id=2), Happened(contact_id=2, what="b"))
    _publish(Happened(contact_id=1, what="c"), Other(contact_id=1))
    # when an integrator reads two at a time
    first = read_api.get("/api/v1/events/log", {"limit": 2}).json()
    second = read_api.get("/api/v1/events/log", {"limit": 2, "after": first["next_after"]}).json()
    third = read_api.get("/api/v1/events/log", {"limit": 2, "after": second["next_after"]}).json()
    # then every event comes once, oldest first, and the end says so
    seen = [e["type"] for page in (first, second, third) for e in page["items"]]
    assert seen == ["test.happened", "test.other", "test.happened", "test.happened", "test.other"]
    assert third["next_after"] is None
    assert first["items"][0]["data"] == {"contact_id": 1, "what": "a", "count": 0}
    # and filters by type and contact combine
    only = read_api.get("/api/v1/events/log", {"type": "test.happened", "contact_id": 1}).json()["items"]
    assert [e["data"]["what"] for e in only] == ["a", "c"]
    assert read_api.get("/api/v1/events/log", {"type": "no.such"}).status_code == 422


def test_the_log_needs_a_key(anon_api):
    assert anon_api.get("/api/v1/events/log").status_code == 401


def test_old_events_and_done_deliveries_are_pruned_after_their_retention():
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with clock.frozen_at(now - dt.timedelta(days=400)):
        _publish(Happened(what="old"))
    with clock.frozen_at(now - dt.timedelta(days=10)):
        _publish(Happened(what="recent"))
    EventDelivery.objects.create(batch="x" * 32, subscriber="s", status="done", created_at=now, delivered_at=now - dt.timedelta(days=31))
    with override_settings(SARNAKH_EVENT_LOG_DAYS=365):
        assert event_log.event_log_prune(now=now) == 1
    assert [r.payload["what"] for r in EventRecord.objects.all()] == ["recent"]
    assert not EventDelivery.objects.filter(subscriber="s").exists()
    # 0 keeps everything
    with override_settings(SARNAKH_EVENT_LOG_DAYS=0):
        assert event_log.event_log_prune(now=now + dt.timedelta(days=3650)) == 0
    assert EventRecord.objects.count() == 1
