"""Staff pages: the live feed (checking a snippet) and the pages and CTA report."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.core import clock
from tests.tracking.test_selectors import (
    T0,
    make_contact,
    make_event,
    make_session,
    make_site,
    minutes,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_given_anonymous_visitor_when_opening_reports_then_sent_to_login(client):
    for path in ("/tracking/live/", "/tracking/pages/"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response["Location"], path


def test_given_any_role_when_browsing_then_activity_link_in_the_top_bar(sales_client):
    body = sales_client.get("/").content.decode()
    assert 'href="/tracking/live/"' in body and "Activity" in body


def test_given_events_when_opening_live_view_then_sites_counts_and_newest_events_shown(sales_client):
    site = make_site("Main site")
    sara = make_contact(first_name="Sara", email="sara@example.com")
    make_event(site=site, visitor_id="visitor-1234567890", path="/pricing", processed=False)
    make_event(site=site, visitor_id="v-bot", path="/wp-login.php", is_bot=True, bot_reason="user_agent")
    make_event(site=site, visitor_id="v-known", type="track", name="cta_click", label="Book a demo", contact=sara)

    with clock.frozen_at(T0 + minutes(5)):
        body = sales_client.get("/tracking/live/").content.decode()

    sites = body[body.index('id="live-sites"'):]
    assert "Main site" in sites and "<td>3</td>" in sites  # 3 events in the last hour
    events = body[body.index('id="live-events"'):]
    assert events.index("Book a demo") < events.index("/wp-login.php") < events.index("/pricing")
    assert f'href="/contacts/{sara.pk}/"' in events and "Sara" in events
    assert "Bot" in events and "Waiting" in events and "Processed" in events
    assert "visitor-1…" in events  # short visitor id
    assert 'hx-trigger="every 2s"' in body and 'href="/settings/tracking/"' in body


def test_given_htmx_poll_when_refreshing_live_view_then_fragment_for_the_chosen_site(sales_client):
    site, other = make_site("A"), make_site("B")
    make_event(site=site, visitor_id="v-1", path="/from-a")
    make_event(site=other, visitor_id="v-2", path="/from-b")

    response = sales_client.get("/tracking/live/", {"fragment": "1", "site": site.pk}, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.startswith('<div id="live-feed"') and f"site={site.pk}" in body and 'hx-trigger="every 2s"' in body
    events = body[body.index('id="live-events"'):]
    assert "/from-a" in events and "/from-b" not in events


def test_given_no_events_when_opening_live_view_then_hint_to_install_the_snippet(sales_client):
    body = sales_client.get("/tracking/live/", {"site": "not-a-number"}).content.decode()
    assert "No events yet" in body and "No site is tracked yet" in body


def test_given_views_and_clicks_when_opening_pages_report_then_period_and_site_filters_apply(sales_client):
    site, other = make_site("A"), make_site("B")
    sara = make_contact(email="sara@example.com")
    recent = make_session(site=site, visitor_id="v-1", contact=sara, start=T0 - dt.timedelta(days=3))
    make_event(session=recent, path="/pricing", title="Pricing plans")
    make_event(session=recent, type="track", name="cta_click", label="Book a demo")
    older = make_session(site=site, visitor_id="v-2", start=T0 - dt.timedelta(days=20))
    make_event(session=older, path="/blog/old-post")
    make_event(session=make_session(site=other, visitor_id="v-3", start=T0 - dt.timedelta(days=1)), path="/other-site")

    with clock.frozen_at(T0):
        default = sales_client.get("/tracking/pages/").content.decode()
        week = sales_client.get("/tracking/pages/", {"days": "7", "site": site.pk}).content.decode()
        odd = sales_client.get("/tracking/pages/", {"days": "12"}).content.decode()

    pages = default[default.index('id="pages-report"'):default.index('id="h-ctas"')]
    assert "/pricing" in pages and "Pricing plans" in pages and "/blog/old-post" in pages and "/other-site" in pages
    assert "100%" in pages  # the one /pricing visitor is a lead
    assert '<option value="30" selected>' in default
    week_pages = week[week.index('id="pages-report"'):week.index('id="h-ctas"')]
    assert "/pricing" in week_pages and "/blog/old-post" not in week_pages and "/other-site" not in week_pages
    assert "Book a demo" in week[week.index('id="cta-report"'):]
    assert '<option value="30" selected>' in odd  # unknown periods fall back to 30 days
    assert 'href="/tracking/live/"' in default and 'href="/tracking/attribution/"' in default


def test_given_no_data_when_opening_pages_report_then_empty_states(sales_client):
    body = sales_client.get("/tracking/pages/").content.decode()
    assert "No page views in this period." in body and "No CTA clicks in this period." in body


def test_given_persian_reader_when_opening_pages_report_then_jalali_period(sales_client):
    sales_client.post("/i18n/setlang/", {"language": "fa", "next": "/"})
    with clock.frozen_at(dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)):
        body = sales_client.get("/tracking/pages/", {"days": "7"}).content.decode()
    assert "۱۴۰۳" in body and "فروردین" in body
