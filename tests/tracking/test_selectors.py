"""Reads of tracked behaviour: a contact's visits and touches, the live feed, the reports.

The builders at the top write processed rows directly, as the processor leaves them; the
other read-side test files import them."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.tracking import selectors
from sarnakh.tracking.models import Event, Session, Site, Visitor

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def make_contact(**data):
    data.setdefault("first_name", "Test")
    return contact_upsert(data=data, actor=Actor.system("tests")).contact


def make_site(name: str = "Example") -> Site:
    return Site.objects.create(name=name, key=f"site_read{next(_ids):06d}", allowed_origins=["https://www.example.com"],
                               created_at=T0, updated_at=T0)


def make_session(*, contact=None, visitor_id: str = "v-1", site=None, start: dt.datetime = T0, minutes: int = 10,
                 channel: str = "direct", is_bot: bool = False, **fields) -> Session:
    fields.setdefault("entry_path", "/")
    fields.setdefault("entry_url", "https://www.example.com" + fields["entry_path"])
    return Session.objects.create(
        contact=contact, visitor_id=visitor_id, site=site, started_at=start, last_event_at=start + dt.timedelta(minutes=minutes),
        channel=channel, is_bot=is_bot, **fields,
    )


def make_event(*, session=None, contact=None, type: str = "page_view", name: str = "", path: str = "/", at=None,
               visitor_id: str | None = None, site=None, is_bot: bool = False, processed: bool = True, **fields) -> Event:
    at = at or (session.started_at if session else T0)
    if session is not None:
        contact = contact or session.contact
        site = site or session.site
        visitor_id = session.visitor_id if visitor_id is None else visitor_id
    return Event.objects.create(
        source=f"s{site.pk}" if site else "internal", event_id=f"ev{next(_ids)}", site=site, type=type, name=name,
        visitor_id=visitor_id or "", occurred_at=at, received_at=fields.pop("received_at", at), path=path,
        url=fields.pop("url", "https://www.example.com" + path), session=session, contact=contact, is_bot=is_bot,
        processed_at=at if processed else None, **fields,
    )


def minutes(n: int) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# ------------------------------------------------------------------ contact_sessions


def test_given_visits_when_listing_contact_sessions_then_human_visits_newest_first_with_events_in_order():
    contact = make_contact(email="sara@example.com")
    old = make_session(contact=contact, start=T0, channel="organic_search")
    new = make_session(contact=contact, start=T0 + dt.timedelta(days=2), channel="email")
    make_session(contact=contact, start=T0 + dt.timedelta(days=3), is_bot=True)
    make_session(contact=make_contact(email="other@example.com"), start=T0 + dt.timedelta(days=4))
    second = make_event(session=new, path="/pricing", at=new.started_at + minutes(2))
    first = make_event(session=new, path="/", at=new.started_at)
    make_event(session=new, path="/bot", at=new.started_at + minutes(1), is_bot=True)

    rows, next_key = selectors.contact_sessions(contact.pk)

    assert [s.pk for s in rows] == [new.pk, old.pk] and next_key is None
    assert [e.pk for e in rows[0].shown_events] == [first.pk, second.pk]
    assert rows[0].event_total == 2 and rows[0].more_events == 0


def test_given_long_visit_when_listing_then_events_capped_with_count_of_the_rest():
    contact = make_contact(email="sara@example.com")
    visit = make_session(contact=contact)
    for i in range(7):
        make_event(session=visit, path=f"/p{i}", at=T0 + dt.timedelta(seconds=i))

    rows, _ = selectors.contact_sessions(contact.pk, events_per_session=5)

    assert [e.path for e in rows[0].shown_events] == ["/p0", "/p1", "/p2", "/p3", "/p4"]
    assert rows[0].more_events == 2


def test_given_many_visits_when_paging_with_the_key_then_each_visit_once():
    contact = make_contact(email="sara@example.com")
    visits = [make_session(contact=contact, start=T0 + dt.timedelta(hours=i)) for i in range(5)]

    page1, key = selectors.contact_sessions(contact.pk, limit=3)
    page2, key2 = selectors.contact_sessions(contact.pk, limit=3, before=key)

    assert [s.pk for s in page1 + page2] == [v.pk for v in reversed(visits)]
    assert key2 is None


# ------------------------------------------------------------------ standalone events


def test_given_server_side_events_when_listing_standalone_then_only_human_sessionless_non_identify_newest_first():
    contact = make_contact(email="sara@example.com")
    visit = make_session(contact=contact)
    make_event(session=visit)
    call = make_event(contact=contact, type="track", name="call_completed", at=T0 + minutes(30))
    demo = make_event(contact=contact, type="track", name="demo_booked", at=T0 + minutes(60))
    make_event(contact=contact, type="identify", at=T0 + minutes(70))
    make_event(contact=contact, type="track", name="spam", at=T0 + minutes(80), is_bot=True)

    rows, next_key = selectors.contact_standalone_events(contact.pk)

    assert [e.pk for e in rows] == [demo.pk, call.pk] and next_key is None


def test_given_event_properties_when_previewed_then_a_few_short_scalars_without_repeats():
    preview = selectors.property_preview({"label": "x", "plan": "pro", "seats": 5, "nested": {"a": 1}, "form": "f", "note": "n" * 200})
    assert preview == [("plan", "pro"), ("seats", "5"), ("note", "n" * 80)]
    assert selectors.property_preview("not a dict") == []


# ------------------------------------------------------------------ touches


def test_given_visits_and_a_form_submission_when_reading_touches_then_first_last_converting_and_channels():
    contact = make_contact(email="sara@example.com")
    first = make_session(contact=contact, start=T0, channel="organic_search", entry_path="/blog/seo",
                         referrer="https://www.google.com/")
    converting = make_session(contact=contact, start=T0 + dt.timedelta(days=1), channel="email", utm_source="newsletter",
                              utm_medium="email", utm_campaign="autumn")
    last = make_session(contact=contact, start=T0 + dt.timedelta(days=2), channel="organic_search")
    make_session(contact=contact, start=T0 + dt.timedelta(days=3), channel="social", is_bot=True)
    make_event(session=converting, type="track", name="form_submitted", label="Demo request", at=converting.started_at + minutes(3))
    make_event(session=last, type="track", name="form_submitted", label="Newsletter", at=last.started_at + minutes(1))

    touches = selectors.contact_touches(contact.pk)

    assert touches.count == 3
    assert touches.first.id == first.pk and touches.first.entry_path == "/blog/seo" and touches.first.referrer == "https://www.google.com/"
    assert touches.last.id == last.pk
    assert touches.converting.id == converting.pk and touches.converting.utm["campaign"] == "autumn"
    assert [(c.channel, c.sessions) for c in touches.channels] == [("organic_search", 2), ("email", 1)]
    assert touches.first.channel_label == "Organic search"


def test_given_first_submission_without_a_visit_when_reading_touches_then_no_converting_visit():
    contact = make_contact(email="sara@example.com")
    visit = make_session(contact=contact, start=T0 + dt.timedelta(days=1))
    make_event(contact=contact, type="track", name="form_submitted", label="Contact us", at=T0)
    make_event(session=visit, type="track", name="form_submitted", label="Contact us", at=visit.started_at)

    touches = selectors.contact_touches(contact.pk)

    assert touches.count == 1 and touches.converting is None


def test_given_no_human_visits_when_reading_touches_then_empty():
    contact = make_contact(email="sara@example.com")
    make_session(contact=contact, is_bot=True)
    touches = selectors.contact_touches(contact.pk)
    assert touches.count == 0 and touches.first is None and touches.channels == []


# ------------------------------------------------------------------ live feed


def test_given_events_when_reading_recent_then_newest_arrivals_first_with_bots_and_unprocessed():
    site, other = make_site("A"), make_site("B")
    a = make_event(site=site, visitor_id="v-a", processed=False)
    b = make_event(site=site, visitor_id="v-b", is_bot=True, bot_reason="user_agent")
    c = make_event(site=other, visitor_id="v-c", at=T0 - dt.timedelta(days=1))  # late arrival of an old event

    assert [e.pk for e in selectors.recent_events()] == [c.pk, b.pk, a.pk]
    assert [e.pk for e in selectors.recent_events(site_id=site.pk)] == [b.pk, a.pk]
    assert [e.pk for e in selectors.recent_events(after_id=a.pk)] == [c.pk, b.pk]
    assert [e.pk for e in selectors.recent_events(limit=1)] == [c.pk]


def test_given_events_over_a_day_when_counting_per_site_then_last_hour_day_and_last_event():
    site, quiet = make_site("Busy"), make_site("Quiet")
    make_site("Unused")
    now = T0
    for delta in (minutes(5), minutes(50), dt.timedelta(hours=3), dt.timedelta(hours=30)):
        make_event(site=site, visitor_id="v", received_at=now - delta, at=now - delta)
    make_event(site=quiet, visitor_id="v", received_at=now - dt.timedelta(days=3), at=now - dt.timedelta(days=3))
    make_event(contact=make_contact(email="s@example.com"), type="track", name="call_completed", received_at=now - minutes(2), at=now - minutes(2))

    rows = {r.name: r for r in selectors.site_event_counts(now)}

    assert (rows["Busy"].last_hour, rows["Busy"].last_day, rows["Busy"].last_event_at) == (2, 3, now - minutes(5))
    assert (rows["Quiet"].last_hour, rows["Quiet"].last_day, rows["Quiet"].last_event_at) == (0, 0, now - dt.timedelta(days=3))
    assert (rows["Unused"].last_day, rows["Unused"].last_event_at) == (0, None)
    server = [r for r in rows.values() if r.site_id is None]
    assert len(server) == 1 and (server[0].last_hour, server[0].last_event_at) == (1, now - minutes(2))


# ------------------------------------------------------------------ reports


def _visit(site, visitor_id, paths, *, contact=None, at=T0, is_bot=False):
    session = make_session(site=site, visitor_id=visitor_id, contact=contact, start=at, is_bot=is_bot)
    for i, path in enumerate(paths):
        make_event(session=session, path=path, at=at + minutes(i), title=f"Title {path}", is_bot=is_bot)
    return session


def test_given_page_views_when_reporting_pages_then_views_visitors_leads_and_conversion_per_page():
    site = make_site()
    known = make_contact(email="known@example.com")
    later_known = make_contact(email="later@example.com")
    _visit(site, "v-anon", ["/", "/pricing", "/pricing"])
    _visit(site, "v-known", ["/", "/pricing"], contact=known)
    _visit(site, "v-browser", ["/"])  # its events carry no contact, its browser does
    Visitor.objects.create(visitor_id="v-browser", contact=later_known, first_seen_at=T0, last_seen_at=T0)
    _visit(site, "v-other", ["/"])
    _visit(site, "v-bot", ["/", "/", "/pricing"], is_bot=True)

    rows = selectors.pages_report(since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1))

    assert [(r.path, r.views, r.visitors, r.leads, r.conversion) for r in rows] == [
        ("/", 4, 4, 2, 50.0),
        ("/pricing", 3, 2, 1, 50.0),
    ]
    assert rows[0].site_name == "Example" and rows[0].title == "Title /"


def test_given_period_and_site_when_reporting_pages_then_only_those_views_count():
    site, other = make_site("A"), make_site("B")
    _visit(site, "v-1", ["/"], at=T0)
    _visit(site, "v-2", ["/"], at=T0 - dt.timedelta(days=10))
    _visit(other, "v-3", ["/"], at=T0)

    in_week = selectors.pages_report(since=T0 - dt.timedelta(days=7), until=T0 + minutes(60))
    only_a = selectors.pages_report(since=T0 - dt.timedelta(days=30), until=T0 + minutes(60), site_id=site.pk)

    assert sorted((r.site_name, r.views) for r in in_week) == [("A", 1), ("B", 1)]  # same path, two sites, two pages
    assert [(r.site_name, r.views) for r in only_a] == [("A", 2)]
    assert selectors.pages_report(since=T0 + minutes(60), until=T0 + minutes(120)) == []


def test_given_cta_clicks_when_reporting_ctas_then_grouped_by_label_with_leads():
    site = make_site()
    contact = make_contact(email="sara@example.com")
    a = make_session(site=site, visitor_id="v-a")
    b = make_session(site=site, visitor_id="v-b", contact=contact)
    for session, label in ((a, "Book a demo"), (a, "Book a demo"), (b, "Book a demo"), (b, "Pricing")):
        make_event(session=session, type="track", name="cta_click", label=label, path="/")
    make_event(session=a, type="track", name="download", label="Book a demo")
    make_event(session=make_session(site=site, visitor_id="v-bot", is_bot=True), type="track", name="cta_click", label="Pricing", is_bot=True)

    rows = selectors.cta_report(since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1))

    assert [(r.label, r.clicks, r.visitors, r.leads, r.conversion) for r in rows] == [
        ("Book a demo", 3, 2, 1, 50.0),
        ("Pricing", 1, 1, 1, 100.0),
    ]


def test_given_many_pages_when_reporting_then_one_query_whatever_the_rows(django_assert_num_queries):
    site = make_site()
    for i in range(30):
        _visit(site, f"v-{i}", [f"/p{i % 7}", "/"])
    with django_assert_num_queries(1):
        rows = selectors.pages_report(since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1), limit=5)
    assert len(rows) == 5 and rows[0].path == "/" and rows[0].views == 30
    with django_assert_num_queries(1):
        selectors.cta_report(since=T0 - dt.timedelta(days=1), until=T0 + dt.timedelta(days=1))
