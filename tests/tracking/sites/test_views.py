"""Settings → Tracking and Settings → Channels pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule, Session, Site, TrackingSettings
from sarnakh.tracking.sites import selectors as site_selectors
from sarnakh.tracking.sites import services as site_services

pytestmark = pytest.mark.django_db

SITES, CHANNELS = "/settings/tracking/", "/settings/channels/"
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_rule_cache():
    site_selectors.forget_channel_rules()
    yield
    site_selectors.forget_channel_rules()


def _rule_post(rows, action="save") -> dict:
    data = {"rows": str(len(rows)), "action": action}
    for i, row in enumerate(rows):
        data |= {f"r-{i}-field": row[0], f"r-{i}-pattern": row[1], f"r-{i}-channel": row[2]}
        if row[3]:
            data[f"r-{i}-active"] = "on"
    return data


# ---------------------------------------------------------------- access

@pytest.mark.parametrize("who", ["admin_client", "marketer_client"])
def test_pages_render_for_admin_and_marketer_with_tabs(request, who):
    client = request.getfixturevalue(who)
    site = site_services.site_create(name="Main site", origins=["https://www.example.com"])
    for path in (SITES, f"{SITES}{site.pk}/", CHANNELS):
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert f'href="{SITES}"' in html and f'href="{CHANNELS}"' in html
    html = client.get(SITES).content.decode()
    assert ('href="/settings/users/"' in html) is (who == "admin_client")  # admin-only tabs stay admin-only


def test_sales_gets_403_and_anonymous_is_sent_to_login(sales_client, client):
    site = site_services.site_create(name="Main site", origins=[])
    for path in (SITES, f"{SITES}{site.pk}/", CHANNELS):
        assert sales_client.get(path).status_code == 403
        assert sales_client.post(path, {"action": "delete"}).status_code == 403
        assert client.get(path).status_code == 302
    assert Site.objects.exists()


def test_admin_settings_pages_still_show_all_tabs(admin_client):
    html = admin_client.get("/settings/users/").content.decode()
    assert 'href="/settings/api-keys/"' in html and f'href="{SITES}"' in html


def test_unknown_site_is_404(admin_client):
    assert admin_client.get(f"{SITES}999/").status_code == 404


# ---------------------------------------------------------------- sites

def test_given_create_form_when_posted_then_site_page_shows_key_and_snippet(marketer_client):
    response = marketer_client.post(SITES, {"action": "create", "name": "Shop", "origins": "https://Shop.example.com/\n\nhttps://*.example.org"}, follow=True)
    site = Site.objects.get()
    assert site.allowed_origins == ["https://shop.example.com", "https://*.example.org"]
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == f"{SITES}{site.pk}/"
    assert "Site added." in html and site.key in html
    assert '<pre id="site-snippet"' in html and "&lt;script&gt;" in html  # the snippet is shown as text
    assert "Copy snippet" in html and 'Paste this before <code dir="ltr">&lt;/head&gt;</code>' in html
    assert "any website can send events" not in html


def test_given_bad_origin_when_creating_then_error_shown_and_nothing_created(admin_client):
    response = admin_client.post(SITES, {"action": "create", "name": "Shop", "origins": "shop.example.com"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "shop.example.com: Start with http:// or https://." in html
    assert 'value="Shop"' in html  # typed values are kept
    assert not Site.objects.exists()


def test_given_site_without_origins_then_warning_on_page_and_in_list(admin_client):
    site = site_services.site_create(name="Open", origins=[])
    assert "any website can send events with this key" in admin_client.get(f"{SITES}{site.pk}/").content.decode()
    assert "Any origin" in admin_client.get(SITES).content.decode()


def test_given_site_page_when_saved_then_name_origins_and_state_change(admin_client):
    site = site_services.site_create(name="Shop", origins=["https://shop.example.com"])
    response = admin_client.post(f"{SITES}{site.pk}/", {"action": "save", "name": "Store", "origins": "https://store.example.com"}, follow=True)
    assert "Site saved." in response.content.decode()
    site.refresh_from_db()
    assert (site.name, site.allowed_origins, site.is_active) == ("Store", ["https://store.example.com"], False)


def test_given_bad_edit_then_errors_shown_and_site_unchanged(admin_client):
    site = site_services.site_create(name="Shop", origins=["https://shop.example.com"])
    response = admin_client.post(f"{SITES}{site.pk}/", {"action": "save", "name": "", "origins": "ftp://x.com", "is_active": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Give the site a name." in html and "ftp://x.com: Only http and https origins can send events." in html
    site.refresh_from_db()
    assert (site.name, site.allowed_origins) == ("Shop", ["https://shop.example.com"])


def test_given_site_when_key_rotated_or_deleted_then_done(admin_client):
    site = site_services.site_create(name="Shop", origins=[])
    old = site.key
    html = admin_client.post(f"{SITES}{site.pk}/", {"action": "rotate"}, follow=True).content.decode()
    site.refresh_from_db()
    assert site.key != old and site.key in html and old not in html
    assert 'data-confirm="Make a new key? The current snippet will stop working."' in html
    admin_client.post(f"{SITES}{site.pk}/", {"action": "delete"})
    assert not Site.objects.exists()


def test_site_names_are_escaped(admin_client):
    site = site_services.site_create(name="<script>alert(1)</script>", origins=[])
    for path in (SITES, f"{SITES}{site.pk}/"):
        html = admin_client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_given_settings_form_when_saved_then_settings_change_and_bad_days_rejected(marketer_client):
    marketer_client.post(SITES, {"action": "settings", "anonymous_retention_days": "30"})
    row = TrackingSettings.objects.get()
    assert (row.anonymous_retention_days, row.respect_do_not_track) == (30, False)
    response = marketer_client.post(SITES, {"action": "settings", "anonymous_retention_days": "0", "respect_do_not_track": "on"})
    assert response.status_code == 422 and "Use a whole number of days from 1 to 3650." in response.content.decode()
    response = marketer_client.post(SITES, {"action": "settings", "anonymous_retention_days": "abc"})
    assert response.status_code == 422
    row.refresh_from_db()
    assert (row.anonymous_retention_days, row.respect_do_not_track) == (30, False)


def test_cleanup_button_reports_counts(admin_client):
    html = admin_client.post(SITES, {"action": "cleanup"}, follow=True).content.decode()
    assert "Deleted 0 anonymous events, 0 sessions and 0 visitors older than 180 days." in html


# ---------------------------------------------------------------- channel rules

def test_channels_page_shows_the_rule_table(marketer_client):
    html = marketer_client.get(CHANNELS).content.decode()
    assert html.count('name="r-') >= len(channels.DEFAULT_RULES) * 4 - 1
    assert "zarebin.ir" in html and "processed from now on" in html and "Re-classify stored sessions" in html


def test_given_edited_rows_when_saved_then_table_replaced(marketer_client):
    rows = [("utm_source", "podcast", "referral", True), ("referrer_host", "partner.org", "affiliate", False)]
    response = marketer_client.post(CHANNELS, _rule_post(rows), follow=True)
    assert "Channel rules saved." in response.content.decode()
    assert list(ChannelRule.objects.values_list("position", "field", "pattern", "channel", "is_active")) == [
        (10, "utm_source", "podcast", "referral", True), (20, "referrer_host", "partner.org", "affiliate", False),
    ]


def test_given_bad_row_when_saved_then_row_error_shown_and_nothing_changed(admin_client):
    before = list(ChannelRule.objects.values_list("pattern", flat=True))
    rows = [("utm_source", "podcast", "referral", True), ("utm_medium", "  ", "email", True)]
    response = admin_client.post(CHANNELS, _rule_post(rows))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Nothing was saved" in html and "Give at least one value" in html
    assert 'value="podcast"' in html  # the typed rows come back
    assert list(ChannelRule.objects.values_list("pattern", flat=True)) == before


def test_row_buttons_add_remove_and_move_without_saving(admin_client):
    rows = [("utm_source", "a", "email", True), ("utm_source", "b", "social", True)]
    html = admin_client.post(CHANNELS, _rule_post(rows, action="add")).content.decode()
    assert 'name="rows" value="3"' in html
    html = admin_client.post(CHANNELS, _rule_post(rows, action="down:0")).content.decode()
    assert html.index('value="b"') < html.index('value="a"')
    html = admin_client.post(CHANNELS, _rule_post(rows, action="remove:0")).content.decode()
    assert 'value="a"' not in html and 'name="rows" value="1"' in html
    assert ChannelRule.objects.count() == len(channels.DEFAULT_RULES)


def test_reset_and_reclassify_buttons(admin_client):
    site_services.channel_rules_replace(rows=[{"field": "utm_source", "pattern": "podcast", "channel": "referral"}])
    session = Session.objects.create(visitor_id="v", started_at=NOW, last_event_at=NOW, entry_url="https://a.com/?gclid=1", channel="direct")
    html = admin_client.post(CHANNELS, {"action": "reset"}, follow=True).content.decode()
    assert "Default channel rules restored." in html
    assert ChannelRule.objects.count() == len(channels.DEFAULT_RULES)
    html = admin_client.post(CHANNELS, {"action": "reclassify"}, follow=True).content.decode()
    assert "1 changed channel" in html
    session.refresh_from_db()
    assert session.channel == "paid_search"


def test_a_marketer_reaches_tracking_settings_from_the_top_navigation(marketer):
    # given a marketer (no general settings rights) on the dashboard
    client = Client()
    client.force_login(marketer)
    html = client.get("/").content.decode()
    # then the Settings link leads to the tracking settings, not to the admin-only pages
    assert 'href="/settings/tracking/"' in html and 'href="/settings/"' not in html
