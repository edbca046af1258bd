"""GET /api/v1/attribution and /api/v1/attribution/compare."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core import clock
from sarnakh.tracking.models import Session

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
URL = "/api/v1/attribution"
_serial = itertools.count(1)


def make_contact(created_at, *, channel="other", campaign="") -> Contact:
    n = next(_serial)
    return Contact.objects.create(
        email=f"a{n}@example.com", stage_id="lead", channel=channel, utm_campaign=campaign, created_at=created_at, updated_at=created_at
    )


def visit(contact, at, channel, campaign=""):
    Session.objects.create(visitor_id=f"v{contact.pk}", contact=contact, started_at=at, last_event_at=at, channel=channel, utm_campaign=campaign)


@pytest.fixture
def journeys():
    """One contact touched by social, email, email (created yesterday); one imported with no visits."""
    contact = make_contact(NOW - dt.timedelta(days=1), channel="social")
    for days, channel in ((5, "social"), (3, "email"), (2, "email")):
        visit(contact, NOW - dt.timedelta(days=days), channel, "autumn" if channel == "email" else "")
    StageChange.objects.create(contact=contact, to_stage="mql", changed_at=NOW - dt.timedelta(hours=1))
    make_contact(NOW - dt.timedelta(days=10), channel="list_import")
    return contact


def test_defaults_are_linear_created_by_channel_over_the_last_90_days(read_api, journeys):
    make_contact(NOW - dt.timedelta(days=120), channel="cold_call")  # before the default period
    with clock.frozen_at(NOW):
        response = read_api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("model", "conversion", "group_by", "since", "until", "total_conversions")} == {
        "model": "linear", "conversion": "created", "group_by": "channel",
        "since": "2026-08-26", "until": "2026-11-24", "total_conversions": 2,
    }
    assert body["rows"] == [
        {"key": "list_import", "conversions": 1.0, "touches": 1, "share": 0.5},
        {"key": "email", "conversions": 0.6667, "touches": 2, "share": 0.3333},
        {"key": "social", "conversions": 0.3333, "touches": 1, "share": 0.1667},
    ]


def test_model_conversion_grouping_and_period_are_chosen_by_the_query(read_api, journeys):
    response = read_api.get(URL, {"model": "u_shaped", "conversion": "mql", "group_by": "campaign", "since": "2026-11-01", "until": "2026-12-01"})
    assert response.status_code == 200
    body = response.json()
    assert body["total_conversions"] == 1
    assert body["rows"] == [
        {"key": "autumn", "conversions": 0.6, "touches": 2, "share": 0.6},
        {"key": "(none)", "conversions": 0.4, "touches": 1, "share": 0.4},
    ]


def test_a_period_without_conversions_has_no_rows(read_api, journeys):
    body = read_api.get(URL, {"since": "2025-01-01", "until": "2025-02-01"}).json()
    assert (body["total_conversions"], body["rows"]) == (0, [])


def test_days_start_at_midnight_in_the_servers_time_zone(read_api, settings):
    settings.TIME_ZONE = "Asia/Tehran"  # UTC+3:30
    make_contact(dt.datetime(2026, 3, 9, 21, 0, tzinfo=dt.UTC), channel="email")  # 00:30 on 10 March in Tehran
    make_contact(dt.datetime(2026, 3, 9, 20, 0, tzinfo=dt.UTC), channel="social")  # 23:30 on 9 March
    body = read_api.get(URL, {"since": "2026-03-10", "until": "2026-03-11"}).json()
    assert [row["key"] for row in body["rows"]] == ["email"]


def test_the_comparison_lists_every_model_per_key(read_api, journeys):
    with clock.frozen_at(NOW):
        response = read_api.get(f"{URL}/compare", {"conversion": "mql"})
    assert response.status_code == 200
    body = response.json()
    assert body["models"] == ["first_touch", "last_touch", "linear", "u_shaped"]
    assert body["total_conversions"] == 1
    assert body["rows"] == [
        {"key": "email", "touches": 2, "first_touch": {"conversions": 0.0, "share": 0.0}, "last_touch": {"conversions": 1.0, "share": 1.0},
         "linear": {"conversions": 0.6667, "share": 0.6667}, "u_shaped": {"conversions": 0.6, "share": 0.6}},
        {"key": "social", "touches": 1, "first_touch": {"conversions": 1.0, "share": 1.0}, "last_touch": {"conversions": 0.0, "share": 0.0},
         "linear": {"conversions": 0.3333, "share": 0.3333}, "u_shaped": {"conversions": 0.4, "share": 0.4}},
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"model": "time_decay"}, "model"),
        ({"conversion": "sql"}, "conversion"),
        ({"group_by": "source"}, "group_by"),
        ({"since": "2026-02-30"}, "since"),
        ({"since": "2026-03-01", "until": "2026-03-01"}, "until"),
        ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
    ],
)
def test_unknown_values_and_empty_periods_are_422_naming_the_field(read_api, params, field):
    response = read_api.get(URL, params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["fields"]


def test_compare_refuses_an_empty_period_too(read_api):
    response = read_api.get(f"{URL}/compare", {"since": "2026-03-02", "until": "2026-03-01"})
    assert response.status_code == 422
    assert "until" in response.json()["error"]["fields"]


def test_a_key_is_needed(anon_api):
    assert anon_api.get(URL).status_code == 401
    assert anon_api.get(f"{URL}/compare").status_code == 401


def test_the_schema_documents_the_parameters(read_api):
    schema = read_api.get("/api/v1/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"][URL]["get"]["parameters"]}
    assert set(parameters) == {"model", "conversion", "group_by", "since", "until"}
    assert all(p.get("description") for p in parameters.values())
    assert f"{URL}/compare" in schema["paths"]
