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


def test_given_old_events_arriving_after_new_ones_when_opening_live_view_then_newest_occurrence_first(sales_client):
    # given today's views, then a batch of old ones stored after them (a backfill, a late beacon)
    site = make_site("Main site")
    make_event(site=site, path="/today-early", at=T0 - minutes(30))
    make_event(site=site, path="/today-late", at=T0)
    make_event(site=site, path="/last-week", at=T0 - dt.timedelta(days=7))
    make_event(site=site, path="/yesterday-a", at=T0 - dt.timedelta(days=1))
    make_event(site=site, path="/yesterday-b", at=T0 - dt.timedelta(days=1))  # same instant: the later id first

    with clock.frozen_at(T0 + minutes(5)):
        events = sales_client.get("/tracking/live/").content.decode().split('id="live-events"')[1]

    order = ["/today-late", "/today-early", "/yesterday-b", "/yesterday-a", "/last-week"]
    assert sorted(order, key=events.index) == order


def test_given_known_and_custom_event_names_when_opening_live_view_then_labels_and_the_custom_name_isolated(sales_client):
    site = make_site("Main site")
    make_event(site=site, type="track", name="became_mql")
    make_event(site=site, type="track", name="demo_requested")
    make_event(site=site, type="track", name="watched_video_50pct")

    events = sales_client.get("/tracking/live/").content.decode().split('id="live-events"')[1]

    assert '<span title="became_mql">Became a marketing qualified lead</span>' in events
    assert '<span title="demo_requested">Requested a demo</span>' in events
    assert '<bdi class="uv" dir="auto">watched_video_50pct</bdi>' in events


def test_given_a_percent_encoded_path_when_opening_live_view_then_it_reads_decoded(sales_client):
    make_event(site=make_site("Main site"), path="/%D9%82%DB%8C%D9%85%D8%AA")

    events = sales_client.get("/tracking/live/").content.decode().split('id="live-events"')[1]

    assert '<bdi class="uv" dir="auto">/قیمت</bdi>' in events


def test_given_persian_reader_when_opening_live_view_then_event_names_are_translated(sales_client):
    make_event(site=make_site("Main site"), type="track", name="became_mql")
    sales_client.cookies["django_language"] = "fa"

    events = sales_client.get("/tracking/live/").content.decode().split('id="live-events"')[1]

    assert "سرنخ واجد شرایط بازاریابی شد" in events and ">became_mql<" not in events


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


def test_given_the_three_behaviour_reports_when_opened_then_they_share_one_tab_bar(sales_client):
    # given the Live, Pages and Attribution pages
    pages = {path: sales_client.get(path).content.decode() for path in ("/tracking/live/", "/tracking/pages/", "/tracking/attribution/")}

    # then each shows the same tab bar, with itself as the current tab
    def tab_bar(html: str) -> str:
        start = html.index('<nav class="tabs"')
        return html[start:html.index("</nav>", start)]

    bars = {path: tab_bar(html) for path, html in pages.items()}
    assert {bar.replace('aria-current="page"', "").replace(" ", "") for bar in bars.values()} == {
        bars["/tracking/live/"].replace('aria-current="page"', "").replace(" ", "")
    }
    assert 'href="/tracking/attribution/" aria-current="page"' in bars["/tracking/attribution/"]
