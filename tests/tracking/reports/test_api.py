"""/api/v1/contacts/{id}/sessions and /touches, /api/v1/events/recent, /api/v1/reports/pages and /ctas."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.merge import contact_merge
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from tests.tracking.test_selectors import (
    T0,
    make_contact,
    make_event,
    make_session,
    make_site,
    minutes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sara():
    return make_contact(email="sara@example.com")


def test_given_visits_when_listing_contact_sessions_then_visits_with_events_and_a_cursor(read_api, sara):
    site = make_site()
    old = make_session(contact=sara, site=site, start=T0, channel="organic_search", utm_source="google")
    new = make_session(contact=sara, site=site, start=T0 + dt.timedelta(days=1), channel="email", entry_path="/pricing")
    make_event(session=new, path="/pricing", title="Pricing")
    make_event(session=new, type="track", name="cta_click", label="Book a demo", at=new.started_at + minutes(1))

    first = read_api.get(f"/api/v1/contacts/{sara.pk}/sessions", {"limit": 1})

    assert first.status_code == 200
    body = first.json()
    item = body["items"][0]
    assert item["id"] == new.pk and item["channel"] == "email" and item["entry_path"] == "/pricing"
    assert item["duration_seconds"] == 600 and item["event_count"] == 2 and item["more_events"] == 0
    assert [(e["type"], e["name"], e["label"]) for e in item["events"]] == [("page_view", "", ""), ("track", "cta_click", "Book a demo")]
    assert set(item["utm"]) == {"source", "medium", "campaign", "term", "content"}
    second = read_api.get(f"/api/v1/contacts/{sara.pk}/sessions", {"limit": 1, "cursor": body["next_cursor"]}).json()
    assert [i["id"] for i in second["items"]] == [old.pk] and second["items"][0]["utm"]["source"] == "google"
    assert second["next_cursor"] is None


def test_given_events_limit_when_listing_sessions_then_events_capped_and_rest_counted(read_api, sara):
    visit = make_session(contact=sara)
    for i in range(4):
        make_event(session=visit, path=f"/p{i}", at=T0 + dt.timedelta(seconds=i))
    item = read_api.get(f"/api/v1/contacts/{sara.pk}/sessions", {"events_limit": 3}).json()["items"][0]
    assert [e["path"] for e in item["events"]] == ["/p0", "/p1", "/p2"] and item["more_events"] == 1


def test_given_bad_paging_input_when_listing_sessions_then_422_naming_the_field(read_api, sara):
    for params, field in (({"limit": 0}, "limit"), ({"events_limit": 501}, "events_limit"), ({"cursor": "%%%"}, "cursor")):
        response = read_api.get(f"/api/v1/contacts/{sara.pk}/sessions", params)
        assert response.status_code == 422, params
        assert field in response.json()["error"]["fields"]


def test_given_unknown_or_merged_contact_when_reading_then_404_or_redirect_to_survivor(read_api, sara):
    assert read_api.get("/api/v1/contacts/999999/sessions").json()["error"]["code"] == "not_found"
    assert read_api.get("/api/v1/contacts/999999/touches").status_code == 404
    loser = make_contact(email="old@example.com")
    contact_merge(survivor_id=sara.pk, loser_id=loser.pk, actor=Actor.system("tests"))
    moved = read_api.get(f"/api/v1/contacts/{loser.pk}/touches")
    assert moved.status_code == 308 and moved["Location"] == f"/api/v1/contacts/{sara.pk}/touches"
    moved = read_api.get(f"/api/v1/contacts/{loser.pk}/sessions", {"limit": 5})
    assert moved.status_code == 308 and moved["Location"] == f"/api/v1/contacts/{sara.pk}/sessions?limit=5"


def test_given_no_key_when_reading_then_401(anon_api, sara):
    for path in (f"/api/v1/contacts/{sara.pk}/sessions", f"/api/v1/contacts/{sara.pk}/touches", "/api/v1/events/recent",
                 "/api/v1/reports/pages", "/api/v1/reports/ctas"):
        assert anon_api.get(path).status_code == 401, path


def test_given_visits_when_reading_touches_then_first_last_converting_and_channels(read_api, sara):
    first = make_session(contact=sara, start=T0, channel="organic_search", referrer="https://www.google.com/")
    last = make_session(contact=sara, start=T0 + dt.timedelta(days=1), channel="email", utm_campaign="autumn")
    make_event(session=last, type="track", name="form_submitted", label="Demo", properties={"form": "demo", "submission_id": 1})

    body = read_api.get(f"/api/v1/contacts/{sara.pk}/touches").json()

    assert body["count"] == 2
    assert body["first"]["id"] == first.pk and body["first"]["referrer"] == "https://www.google.com/"
    assert body["last"]["id"] == last.pk and body["last"]["utm"]["campaign"] == "autumn"
    assert body["converting"]["id"] == last.pk
    assert body["channels"] == [{"channel": "organic_search", "sessions": 1}, {"channel": "email", "sessions": 1}]


def test_given_contact_without_visits_when_reading_touches_then_empty_touches(read_api, sara):
    assert read_api.get(f"/api/v1/contacts/{sara.pk}/touches").json() == {
        "count": 0, "first": None, "last": None, "converting": None, "channels": [],
    }


def test_given_events_when_reading_recent_then_newest_first_marked_and_filtered_by_site(read_api, sara):
    site, other = make_site("A"), make_site("B")
    waiting = make_event(site=site, visitor_id="v-1", processed=False)
    bot = make_event(site=site, visitor_id="v-2", is_bot=True, bot_reason="user_agent")
    known = make_event(site=other, visitor_id="v-3", contact=sara)

    items = read_api.get("/api/v1/events/recent").json()
    assert [i["id"] for i in items] == [known.pk, bot.pk, waiting.pk]
    assert (items[0]["contact_id"], items[0]["site_name"], items[0]["processed"]) == (sara.pk, "B", True)
    assert (items[1]["is_bot"], items[1]["bot_reason"]) == (True, "user_agent")
    assert items[2]["processed"] is False
    assert [i["id"] for i in read_api.get("/api/v1/events/recent", {"site_id": site.pk, "limit": 1}).json()] == [bot.pk]
    assert read_api.get("/api/v1/events/recent", {"limit": 500}).status_code == 422


def test_given_views_and_clicks_when_reading_reports_then_rows_for_the_period(read_api, sara):
    site = make_site()
    visit = make_session(site=site, visitor_id="v-1", contact=sara, start=T0 - dt.timedelta(days=2))
    make_event(session=visit, path="/pricing", title="Pricing")
    make_event(session=visit, type="track", name="cta_click", label="Book a demo")
    old = make_session(site=site, visitor_id="v-2", start=T0 - dt.timedelta(days=20))
    make_event(session=old, path="/blog")

    with clock.frozen_at(T0):
        week = read_api.get("/api/v1/reports/pages", {"days": 7}).json()
        month = read_api.get("/api/v1/reports/pages", {"site_id": site.pk}).json()
        ctas = read_api.get("/api/v1/reports/ctas", {"days": 7}).json()

    assert week["items"] == [{"site_id": site.pk, "site_name": "Example", "path": "/pricing", "title": "Pricing",
                              "views": 1, "visitors": 1, "leads": 1, "conversion": 100.0}]
    assert dt.datetime.fromisoformat(week["until"]) - dt.datetime.fromisoformat(week["since"]) == dt.timedelta(days=7)
    assert sorted(i["path"] for i in month["items"]) == ["/blog", "/pricing"] and month["site_id"] == site.pk
    assert ctas["items"] == [{"label": "Book a demo", "clicks": 1, "visitors": 1, "leads": 1, "conversion": 100.0}]


def test_given_bad_period_when_reading_reports_then_422(read_api):
    for path in ("/api/v1/reports/pages", "/api/v1/reports/ctas"):
        response = read_api.get(path, {"days": 0})
        assert response.status_code == 422 and "days" in response.json()["error"]["fields"]
