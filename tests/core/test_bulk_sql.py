"""values_update writes many rows' fields in one statement, like bulk_update."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sarnakh.core.bulk_sql import values_update
from sarnakh.tracking.models import Session

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_given_changed_rows_when_values_update_then_every_field_is_written_in_one_statement():
    rows = [Session.objects.create(visitor_id=f"v{i}", started_at=T0, last_event_at=T0) for i in range(3)]
    rows[0].channel, rows[0].page_count, rows[0].last_event_at = "email", 4, T0 + dt.timedelta(minutes=5)
    rows[1].is_bot, rows[1].utm_campaign = True, "نوروز"
    with CaptureQueriesContext(connection) as queries:
        changed = values_update(Session, rows, ["channel", "page_count", "last_event_at", "is_bot", "utm_campaign", "contact"])
    assert changed == 3 and len(queries) == 1
    stored = {s.visitor_id: s for s in Session.objects.all()}
    assert (stored["v0"].channel, stored["v0"].page_count, stored["v0"].last_event_at) == ("email", 4, T0 + dt.timedelta(minutes=5))
    assert stored["v1"].is_bot and stored["v1"].utm_campaign == "نوروز" and stored["v1"].contact_id is None
    assert (stored["v2"].channel, stored["v2"].is_bot) == ("direct", False)


def test_nothing_to_write_is_no_statement():
    with CaptureQueriesContext(connection) as queries:
        assert values_update(Session, [], ["channel"]) == 0
    assert len(queries) == 0
