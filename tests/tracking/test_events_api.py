"""POST /api/v1/events: storing raw batches, per-event rejections, auth, limits."""

import datetime as dt
import json

import pytest

from sarnakh.core import clock
from sarnakh.tracking.models import Event
from sarnakh.tracking.processor import process_all_pending
from tests.tracking.factories import BROWSER_UA, make_site, page_view, post_events, track

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def site():
    return make_site()


def test_a_good_batch_is_stored_raw_before_the_answer(client, site):
    # given a batch of a page view and a custom event
    body = {"site_key": site.key, "events": [page_view("v1", "https://www.example.com/pricing?utm_source=x", title="Pricing"), track("v1", "download", properties={"label": "Guide"})]}
    # when it is posted
    with clock.frozen_at(NOW):
        response = post_events(client, body)
    # then both are stored, unprocessed, with the server's receive time
    assert response.status_code == 202
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": 0, "errors": []}
    assert response["Access-Control-Allow-Origin"] == "*"
    rows = list(Event.objects.order_by("id"))
    assert [(e.type, e.name, e.path, e.label) for e in rows] == [("page_view", "", "/pricing", ""), ("track", "download", "/", "Guide")]
    assert all(e.received_at == NOW and e.processed_at is None and e.site_id == site.pk for e in rows)
    assert rows[0].title == "Pricing" and rows[0].context["origin"] == "https://www.example.com"


def test_an_event_id_sent_twice_is_stored_once(client, site):
    event = page_view("v1", "https://www.example.com/", event_id="same-id")
    first = post_events(client, {"site_key": site.key, "events": [event, event]})
    again = post_events(client, {"site_key": site.key, "events": [event]})
    assert first.json()["accepted"] == 1 and first.json()["duplicates"] == 1
    assert again.status_code == 202 and again.json()["duplicates"] == 1
    assert Event.objects.count() == 1


def test_bad_events_are_reported_one_by_one_and_the_rest_is_stored(client, site):
    # given a batch with a good event and several bad ones
    events = [
        page_view("v1", "https://www.example.com/"),
        {"type": "click", "visitor_id": "v1"},
        {"type": "track", "visitor_id": "v1"},
        {"type": "page_view", "url": "https://www.example.com/"},
        page_view("v1", "javascript:alert(1)"),
        {**page_view("v1", "https://www.example.com/"), "timestamp": "yesterday"},
        {**track("v1", "x"), "properties": {"blob": "x" * 9000}},
        "not an object",
        {**page_view("bad id with spaces", "https://www.example.com/")},
    ]
    response = post_events(client, {"site_key": site.key, "events": events})
    # then the answer is 207 with one error per bad event, naming the field
    assert response.status_code == 207
    body = response.json()
    assert body["accepted"] == 1 and body["rejected"] == 8
    assert [(e["index"], e["field"]) for e in body["errors"]] == [
        (1, "type"), (2, "name"), (3, "visitor_id"), (4, "url"), (5, "timestamp"), (6, "properties"), (7, ""), (8, "visitor_id"),
    ]
    assert Event.objects.count() == 1


def test_a_batch_of_only_bad_events_is_422_and_stores_nothing(client, site):
    response = post_events(client, {"site_key": site.key, "events": [{"type": "nope"}]})
    assert response.status_code == 422 and response.json()["rejected"] == 1
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid_json"),
        ("{\"site_key\": 1}".encode("cp1256") + b"\xff", 400, "invalid_json"),
        (b'{"site_key": "x", "events": [], "n": 1e999}', 400, "invalid_json"),
        (b"[]", 400, "bad_request"),
        (json.dumps({"site_key": "x", "events": []}).encode(), 401, "unauthorized"),
    ],
)
def test_broken_batches_get_a_clear_error(client, site, body, status, code):
    response = post_events(client, body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Event.objects.exists()


def test_a_bom_before_the_json_is_tolerated(client, site):
    body = "\ufeff" + json.dumps({"site_key": site.key, "events": [page_view("v1", "https://www.example.com/")]})
    assert post_events(client, body.encode("utf-8")).status_code == 202


def test_wrong_site_key_is_401_and_disallowed_origin_is_403(client, site):
    events = [page_view("v1", "https://www.example.com/")]
    assert post_events(client, {"site_key": "site_nope", "events": events}).status_code == 401
    response = post_events(client, {"site_key": site.key, "events": events}, origin="https://evil.example.net")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert response["Access-Control-Allow-Origin"] == "*"  # so the tracker can read it and stop
    assert not Event.objects.exists()


def test_a_site_key_without_an_origin_header_is_403(client, site):
    # given: a script outside a browser replaying the public site key (browsers always send Origin)
    open_site = make_site(origins=())  # an empty origin list allows any origin, not none
    for key in (site.key, open_site.key):
        # when
        response = post_events(client, {"site_key": key, "events": [page_view("v1", "https://www.example.com/")]}, origin="")
        # then
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden" and "Origin" in response.json()["error"]["message"]
    assert not Event.objects.exists()
    assert post_events(client, {"site_key": open_site.key, "events": [page_view("v1", "https://www.example.com/")]}, origin="https://any.example").status_code == 202


def test_nul_in_event_texts_is_cleaned_in_ids_refused_per_event_and_the_rest_stored(client, site):
    # given: NUL (which PostgreSQL refuses in text) all over a batch
    events = [
        {**page_view("v1", "https://www.example.com/pri\u0000cing", title="Pri\u0000cing", referrer="https://www.google.com/\u0000"), "id": "nul-1"},
        {**track("v1", "down\u0000load", properties={"label": "Gu\u0000ide", "fi\u0000le": ["a\u0000"]}), "id": "nul-2"},
        {**page_view("v1", "https://www.example.com/"), "id": "nul\u00003"},
        page_view("v\u00001", "https://www.example.com/"),
        {**page_view("v1", "https://www.example.com/"), "timestamp": "\u00002026-11-23T10:00:00Z"},
        {"id": "nul-6", "type": "identify", "visitor_id": "v1", "properties": {"email": "sara\u0000@example.com"}},
    ]
    # when
    with clock.frozen_at(NOW):
        response = post_events(client, {"site_key": site.key, "sent_at": "2026\u0000", "events": events}, user_agent=f"{BROWSER_UA}\u0000")
    # then: 207, never 500; the texts lose the NUL, the properties keep a visible U+FFFD
    assert response.status_code == 207, response.content
    body = response.json()
    assert body["accepted"] == 3
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(2, "id"), (3, "visitor_id"), (4, "timestamp")]
    view, download, identify = (Event.objects.get(event_id=f"nul-{n}") for n in (1, 2, 6))
    assert (view.url, view.path, view.title, view.referrer) == ("https://www.example.com/pricing", "/pricing", "Pricing", "https://www.google.com/")
    assert (download.name, download.label) == ("download", "Guide")
    assert download.properties == {"label": "Gu\ufffdide", "fi\ufffdle": ["a\ufffd"]}
    assert identify.properties == {"email": "sara\ufffd@example.com"}
    assert view.context["user_agent"] == BROWSER_UA
    # and processing them is no problem either
    assert process_all_pending() == 3
    assert not Event.objects.filter(processed_at__isnull=True).exists()


def test_nul_in_the_site_key_or_the_origin_is_a_clean_refusal(client, site):
    events = [page_view("v1", "https://www.example.com/")]
    assert post_events(client, {"site_key": f"{site.key}\u0000", "events": events}).status_code == 401
    assert post_events(client, {"site_key": site.key, "events": events}, origin="https://www.example.com\u0000").status_code == 403
    assert not Event.objects.exists()


def test_an_inactive_site_is_refused(client, site):
    from sarnakh.tracking import ingest

    site.is_active = False
    site.save()
    ingest.forget_sites()
    assert post_events(client, {"site_key": site.key, "events": [page_view("v1", "https://www.example.com/")]}).status_code == 401


def test_oversize_batches_are_413(client, site):
    many = [page_view("v1", "https://www.example.com/") for _ in range(501)]
    assert post_events(client, {"site_key": site.key, "events": many}).status_code == 413
    huge = {"site_key": site.key, "events": [track("v1", "x", properties={"a": "y" * 7000}) for _ in range(80)]}
    assert post_events(client, huge).status_code == 413
    assert not Event.objects.exists()


def test_skewed_clocks_are_corrected_by_sent_at(client, site):
    # given a visitor whose clock is two hours behind
    with clock.frozen_at(NOW):
        body = {
            "site_key": site.key, "sent_at": "2026-11-23T08:00:05Z",
            "events": [page_view("v1", "https://www.example.com/", at="2026-11-23T08:00:00Z")],
        }
        post_events(client, body)
    # then the event is placed at the server's time minus the 5 s it waited in the queue
    assert Event.objects.get().occurred_at == NOW - dt.timedelta(seconds=5)


def test_future_timestamps_become_the_receive_time_and_stale_ones_are_refused(client, site):
    with clock.frozen_at(NOW):
        response = post_events(client, {"site_key": site.key, "events": [
            page_view("v1", "https://www.example.com/a", at="2027-01-01T00:00:00Z"),
            page_view("v1", "https://www.example.com/b", at="2026-11-01T00:00:00Z"),
        ]})
    assert response.status_code == 207
    assert response.json()["errors"][0]["code"] == "stale_timestamp"
    event = Event.objects.get()
    assert event.occurred_at == NOW and event.context["clock_adjusted"] is True


def test_server_side_sources_use_an_api_key_and_may_name_the_person(client, write_api, read_api):
    body = {"events": [{"type": "track", "name": "demo_booked", "email": "Sara@Example.com", "timestamp": "2026-01-02T10:00:00Z"}]}
    response = post_events(client, body, origin="", auth=write_api.key)
    assert response.status_code == 202
    event = Event.objects.get()
    assert event.source.startswith("k") and event.context["email"] == "sara@example.com" and event.site_id is None
    assert post_events(client, body, origin="", auth=read_api.key).status_code == 403
    assert post_events(client, body, origin="", auth="sk_wrong").status_code == 401
    nobody = {"events": [{"type": "track", "name": "call_completed"}]}
    assert post_events(client, nobody, origin="", auth=write_api.key).json()["errors"][0]["field"] == "visitor_id"


def test_xss_in_titles_and_labels_is_stored_as_text(client, site):
    evil = "<script>alert(1)</script>"
    post_events(client, {"site_key": site.key, "events": [
        {**page_view("v1", "https://www.example.com/"), "title": evil},
        track("v1", "cta_click", properties={"label": evil}),
    ]})
    assert set(Event.objects.values_list("title", flat=True)) == {evil, ""}
    assert Event.objects.get(type="track").label == evil


def test_a_preflight_is_answered(client):
    response = client.options("/api/v1/events", HTTP_ORIGIN="https://www.example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert response.status_code == 204 and response["Access-Control-Allow-Origin"] == "*"
