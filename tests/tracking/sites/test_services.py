"""Sites, the channel rule table, tracking settings and retention: site_services and site_selectors."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule, Event, Session, Site, TrackingSettings, Visitor
from sarnakh.tracking.sites import selectors as site_selectors
from sarnakh.tracking.sites import services as site_services

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_rule_cache():
    # The per-process rule cache outlives a test's rolled-back transaction: never leak it.
    site_selectors.forget_channel_rules()
    yield
    site_selectors.forget_channel_rules()


def _fields(exc_info) -> dict[str, list[str]]:
    return exc_info.value.fields


# ---------------------------------------------------------------- sites

def test_given_name_and_origins_when_site_created_then_key_and_normalised_unique_origins():
    with clock.frozen_at(NOW):
        site = site_services.site_create(
            name="  Main   website ", origins=["https://WWW.Example.com/pricing", "https://www.example.com:443", "https://*.example.org", ""]
        )
    assert re.fullmatch(r"site_[a-z0-9]{24}", site.key)
    assert site.name == "Main website"
    assert site.allowed_origins == ["https://www.example.com", "https://*.example.org"]
    assert (site.is_active, site.created_at, site.updated_at) == (True, NOW, NOW)
    assert site_services.site_create(name="Other", origins=[]).key != site.key


def test_given_bad_origin_or_name_when_site_created_then_errors_name_the_field_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as exc_info:
        site_services.site_create(name="", origins=["www.example.com", "ftp://example.com"])
    fields = _fields(exc_info)
    assert fields["name"] == ["Give the site a name."]
    assert fields["origins"] == [
        "www.example.com: Start with http:// or https://.",
        "ftp://example.com: Only http and https origins can send events.",
    ]
    with pytest.raises(ValidationFailed) as exc_info:
        site_services.site_create(name="x" * 201, origins="https://example.com")
    assert set(_fields(exc_info)) == {"name", "origins"}
    assert not Site.objects.exists()


def test_given_site_when_updated_then_only_given_values_change():
    site = site_services.site_create(name="Shop", origins=["https://shop.example.com"])
    updated = site_services.site_update(site_id=site.pk, is_active=False)
    assert (updated.name, updated.allowed_origins, updated.is_active) == ("Shop", ["https://shop.example.com"], False)
    updated = site_services.site_update(site_id=site.pk, name="Store", origins=[])
    site.refresh_from_db()
    assert (site.name, site.allowed_origins, site.is_active) == ("Store", [], False)


def test_given_bad_update_then_nothing_changes():
    site = site_services.site_create(name="Shop", origins=["https://shop.example.com"])
    with pytest.raises(ValidationFailed) as exc_info:
        site_services.site_update(site_id=site.pk, name="New name", origins=["nope"])
    assert "origins" in _fields(exc_info)
    site.refresh_from_db()
    assert (site.name, site.allowed_origins) == ("Shop", ["https://shop.example.com"])


def test_given_site_when_key_rotated_then_old_key_is_gone():
    site = site_services.site_create(name="Shop", origins=[])
    old = site.key
    rotated = site_services.site_rotate_key(site_id=site.pk)
    assert rotated.key != old and re.fullmatch(r"site_[a-z0-9]{24}", rotated.key)
    assert not Site.objects.filter(key=old).exists()


def test_given_site_with_events_when_deleted_then_events_stay_without_site():
    site = site_services.site_create(name="Shop", origins=[])
    event = _event(site=site, received_at=NOW)
    site_services.site_delete(site_id=site.pk)
    event.refresh_from_db()
    assert not Site.objects.exists() and event.site_id is None


def test_given_unknown_site_then_not_found():
    for call in (
        lambda: site_services.site_update(site_id=999, name="x"),
        lambda: site_services.site_rotate_key(site_id=999),
        lambda: site_services.site_delete(site_id=999),
    ):
        with pytest.raises(NotFound):
            call()


def test_given_site_changes_then_ingestion_sees_them_at_once():
    from sarnakh.tracking.ingest import site_for_key

    site = site_services.site_create(name="Shop", origins=[])
    old = site.key
    assert site_for_key(old).pk == site.pk  # now cached
    new = site_services.site_rotate_key(site_id=site.pk).key
    assert site_for_key(old) is None and site_for_key(new).pk == site.pk
    site_services.site_update(site_id=site.pk, is_active=False)
    assert site_for_key(new) is None


def test_given_site_then_snippet_carries_key_and_dnt_setting():
    site = site_services.site_create(name="Shop", origins=[])
    assert f'"{site.key}"' in site_selectors.site_snippet(site) and ", true);" in site_selectors.site_snippet(site)
    site_services.tracking_settings_update(respect_do_not_track=False)
    assert ", false);" in site_selectors.site_snippet(site)


# ---------------------------------------------------------------- channel rules

def test_seeded_table_is_the_default_rules_in_order():
    site_selectors.forget_channel_rules()
    assert site_selectors.channel_rules_active() == channels.DEFAULT_RULES


def test_given_rows_when_replaced_then_table_positions_and_active_rules_follow():
    rows = [
        {"field": "utm_source", "pattern": "podcast, radio", "channel": "other", "is_active": True},
        {"field": "referrer_host", "pattern": "partner.org", "channel": "affiliate", "is_active": False},
        {"field": "utm_medium", "pattern": "email", "channel": "email"},
    ]
    site_services.channel_rules_replace(rows=rows)
    table = list(ChannelRule.objects.values_list("position", "field", "channel", "is_active"))
    assert table == [(10, "utm_source", "other", True), (20, "referrer_host", "affiliate", False), (30, "utm_medium", "email", True)]
    assert site_selectors.channel_rules_active() == (
        channels.Rule("utm_source", "podcast, radio", "other"),
        channels.Rule("utm_medium", "email", "email"),
    )


def test_given_bad_rows_when_replaced_then_errors_by_row_and_column_and_table_unchanged():
    before = list(ChannelRule.objects.values_list("field", "pattern", "channel"))
    rows = [
        {"field": "utm_medium", "pattern": "cpc", "channel": "paid_search", "is_active": True},
        {"field": "hostname", "pattern": " , ", "channel": "tv", "is_active": True},
        {"field": "utm_source", "pattern": 5, "channel": "email", "is_active": "yes"},
        "not a row",
    ]
    with pytest.raises(ValidationFailed) as exc_info:
        site_services.channel_rules_replace(rows=rows)
    fields = _fields(exc_info)
    assert set(fields) == {"rows.1.field", "rows.1.pattern", "rows.1.channel", "rows.2.pattern", "rows.2.is_active", "rows.3"}
    assert fields["rows.1.field"] == ["Use one of: utm_medium, utm_source, referrer_host, url_param."]
    assert fields["rows.2.pattern"] == ["Send text."]
    assert list(ChannelRule.objects.values_list("field", "pattern", "channel")) == before


def test_given_changed_table_when_reset_then_defaults_are_back():
    site_services.channel_rules_replace(rows=[])
    assert site_selectors.channel_rules_active() == ()
    site_services.channel_rules_reset()
    assert site_selectors.channel_rules_active() == channels.DEFAULT_RULES
    assert list(ChannelRule.objects.values_list("position", flat=True))[:3] == [10, 20, 30]


def test_active_rules_are_cached_for_a_few_seconds(django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(site_selectors, "RULES_CACHE_SECONDS", 3600)  # a slow machine must not expire it mid-test
    site_selectors.forget_channel_rules()
    site_selectors.channel_rules_active()
    with django_assert_num_queries(0):
        site_selectors.channel_rules_active()
    ChannelRule.objects.all().delete()  # behind the services' back: the cache still answers
    assert site_selectors.channel_rules_active() == channels.DEFAULT_RULES
    site_selectors.forget_channel_rules()
    assert site_selectors.channel_rules_active() == ()
    monkeypatch.setattr(site_selectors, "RULES_CACHE_SECONDS", 0)
    ChannelRule.objects.create(position=10, field="utm_source", pattern="x", channel="other")
    assert site_selectors.channel_rules_active() == (channels.Rule("utm_source", "x", "other"),)  # expired: read again


def _session(**fields) -> Session:
    defaults = {"visitor_id": "v1", "started_at": NOW, "last_event_at": NOW, "channel": "direct"}
    return Session.objects.create(**(defaults | fields))


def test_given_stored_sessions_when_reclassified_then_channels_follow_the_current_rules():
    podcast = _session(entry_url="https://www.example.com/?utm_source=podcast", utm_source="podcast", channel="other")
    search = _session(entry_url="https://www.example.com/", referrer="https://www.google.com/", channel="organic_search")
    old = _session(entry_url="https://www.example.com/", utm_source="podcast", channel="other", started_at=NOW - dt.timedelta(days=30))
    site_services.channel_rules_replace(rows=[{"field": "utm_source", "pattern": "podcast", "channel": "referral", "is_active": True}])

    assert site_services.sessions_reclassify(since=NOW - dt.timedelta(days=1)) == 2
    channels_now = dict(Session.objects.values_list("pk", "channel"))
    assert channels_now == {podcast.pk: "referral", search.pk: "referral", old.pk: "other"}
    assert site_services.sessions_reclassify() == 1  # the older one; the rest already agree


def test_given_many_sessions_when_reclassified_then_all_chunks_are_done(monkeypatch):
    monkeypatch.setattr(site_services, "RECLASSIFY_CHUNK", 3)
    Session.objects.bulk_create(
        Session(visitor_id=f"v{i}", started_at=NOW, last_event_at=NOW, entry_url="https://a.com/?gclid=1", channel="direct") for i in range(8)
    )
    assert site_services.sessions_reclassify() == 8
    assert set(Session.objects.values_list("channel", flat=True)) == {"paid_search"}


# ---------------------------------------------------------------- settings and retention

def test_given_settings_row_missing_then_get_creates_it_with_defaults():
    TrackingSettings.objects.all().delete()
    row = site_selectors.tracking_settings_get()
    assert (row.anonymous_retention_days, row.respect_do_not_track) == (180, True)
    assert site_selectors.tracking_settings_get().pk == row.pk


def test_given_new_values_when_settings_updated_then_saved_and_bad_days_rejected():
    with clock.frozen_at(NOW):
        row = site_services.tracking_settings_update(anonymous_retention_days=30, respect_do_not_track=False)
    assert (row.anonymous_retention_days, row.respect_do_not_track, row.updated_at) == (30, False, NOW)
    for bad in (0, 3651, "30", True):
        with pytest.raises(ValidationFailed) as exc_info:
            site_services.tracking_settings_update(anonymous_retention_days=bad)
        assert list(_fields(exc_info)) == ["anonymous_retention_days"]
    assert site_selectors.tracking_settings_get().anonymous_retention_days == 30


def _event(*, received_at, contact=None, site=None, session=None, event_id=None) -> Event:
    return Event.objects.create(
        source="internal", event_id=event_id or f"e{Event.objects.count() + 1}", site=site, type="page_view", visitor_id="v1",
        occurred_at=received_at, received_at=received_at, contact=contact, session=session,
    )


@pytest.fixture
def aged_data(actor):
    contact = contact_upsert(data={"email": "sara@example.com"}, actor=actor).contact
    old, recent = NOW - dt.timedelta(days=40), NOW - dt.timedelta(days=5)
    old_session = _session(visitor_id="v-old", started_at=old, last_event_at=old)
    kept_session = _session(visitor_id="v-known", started_at=old, last_event_at=old, contact=contact)
    data = {
        "old_anon": [_event(received_at=old, session=old_session) for _i in range(3)],
        "recent_anon": _event(received_at=recent),
        "old_known": _event(received_at=old, contact=contact, session=kept_session),
        "old_session": old_session, "kept_session": kept_session,
        "recent_session": _session(visitor_id="v-new", started_at=recent, last_event_at=recent),
    }
    Visitor.objects.create(visitor_id="v-old", first_seen_at=old, last_seen_at=old)
    Visitor.objects.create(visitor_id="v-new", first_seen_at=old, last_seen_at=recent)
    Visitor.objects.create(visitor_id="v-known", first_seen_at=old, last_seen_at=old, contact=contact)
    return data


def test_given_old_anonymous_data_when_dry_run_then_counts_and_nothing_deleted(aged_data):
    with clock.frozen_at(NOW):
        counts = site_services.anonymous_events_cleanup(days=30, dry_run=True)
    assert (counts["events"], counts["sessions"], counts["visitors"], counts["dry_run"]) == (3, 1, 1, True)
    assert counts["cutoff"] == NOW - dt.timedelta(days=30)
    assert (Event.objects.count(), Session.objects.count(), Visitor.objects.count()) == (5, 3, 3)


def test_given_old_anonymous_data_when_cleaned_up_in_chunks_then_only_it_is_deleted(aged_data, monkeypatch):
    monkeypatch.setattr(site_services, "DELETE_CHUNK", 2)
    with clock.frozen_at(NOW):
        counts = site_services.anonymous_events_cleanup(days=30)
    assert (counts["events"], counts["sessions"], counts["visitors"]) == (3, 1, 1)
    assert set(Event.objects.values_list("pk", flat=True)) == {aged_data["recent_anon"].pk, aged_data["old_known"].pk}
    assert set(Session.objects.values_list("pk", flat=True)) == {aged_data["kept_session"].pk, aged_data["recent_session"].pk}
    assert set(Visitor.objects.values_list("visitor_id", flat=True)) == {"v-new", "v-known"}


def test_given_no_days_when_cleaned_up_then_the_setting_is_used(aged_data):
    site_services.tracking_settings_update(anonymous_retention_days=50)
    with clock.frozen_at(NOW):
        assert site_services.anonymous_events_cleanup()["events"] == 0
        site_services.tracking_settings_update(anonymous_retention_days=7)
        counts = site_services.anonymous_events_cleanup()
    assert (counts["days"], counts["events"]) == (7, 3)


def test_given_bad_days_when_cleaned_up_then_validation_error():
    with pytest.raises(ValidationFailed) as exc_info:
        site_services.anonymous_events_cleanup(days=0)
    assert list(_fields(exc_info)) == ["days"]
