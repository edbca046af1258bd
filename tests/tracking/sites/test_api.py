"""/api/v1/sites, /api/v1/channel-rules and /api/v1/tracking/{settings,cleanup}."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from sarnakh.core import clock
from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule, Event, Site
from sarnakh.tracking.sites import selectors as site_selectors

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_rule_cache():
    site_selectors.forget_channel_rules()
    yield
    site_selectors.forget_channel_rules()


def _create(api, **body):
    return api.post("/api/v1/sites", {"name": "Main site", "origins": ["https://www.example.com/"], **body})


# ---------------------------------------------------------------- sites

def test_given_write_key_when_creating_a_site_then_201_with_key_origins_and_snippet(write_api):
    response = _create(write_api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"].startswith("site_") and len(body["key"]) == 29
    assert (body["name"], body["origins"], body["is_active"]) == ("Main site", ["https://www.example.com"], True)
    assert f'"{body["key"]}"' in body["snippet"]
    assert settings.SARNAKH_BASE_URL.rstrip("/") + "/t/sarnakh.js" in body["snippet"]
    assert Site.objects.get().key == body["key"]


def test_given_read_key_then_reading_works_and_writing_is_403(read_api, write_api):
    site_id = _create(write_api).json()["id"]
    assert [s["id"] for s in read_api.get("/api/v1/sites").json()] == [site_id]
    assert read_api.get(f"/api/v1/sites/{site_id}").json()["name"] == "Main site"
    assert _create(read_api).status_code == 403
    assert read_api.patch(f"/api/v1/sites/{site_id}", {"name": "x"}).status_code == 403
    assert read_api.post(f"/api/v1/sites/{site_id}/rotate-key").status_code == 403
    assert read_api.delete(f"/api/v1/sites/{site_id}").status_code == 403
    assert read_api.put("/api/v1/channel-rules", {"rules": []}).status_code == 403
    assert read_api.post("/api/v1/channel-rules/reset").status_code == 403
    assert read_api.patch("/api/v1/tracking/settings", {"respect_do_not_track": False}).status_code == 403
    assert read_api.post("/api/v1/tracking/cleanup", {}).status_code == 403
    assert Site.objects.get().name == "Main site"


@pytest.mark.parametrize("path", ["/api/v1/sites", "/api/v1/channel-rules", "/api/v1/tracking/settings"])
def test_given_no_key_then_401(anon_api, path):
    response = anon_api.get(path)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


def test_given_no_key_when_writing_then_401(anon_api):
    assert _create(anon_api).status_code == 401
    assert anon_api.post("/api/v1/tracking/cleanup", {}).status_code == 401


def test_given_bad_origin_then_422_naming_origins_and_nothing_created(write_api):
    response = _create(write_api, origins=["www.example.com"])
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["origins"] == ["www.example.com: Start with http:// or https://."]
    assert _create(write_api, name=" ").json()["error"]["fields"]["name"] == ["Give the site a name."]
    assert write_api.post("/api/v1/sites", {"origins": []}).json()["error"]["fields"].keys() == {"name"}
    assert not Site.objects.exists()


def test_given_site_when_patched_then_only_sent_fields_change(write_api):
    site_id = _create(write_api).json()["id"]
    response = write_api.patch(f"/api/v1/sites/{site_id}", {"is_active": False})
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["origins"]) == (False, ["https://www.example.com"])
    body = write_api.patch(f"/api/v1/sites/{site_id}", {"origins": [], "name": "Blog"}).json()
    assert (body["name"], body["origins"], body["is_active"]) == ("Blog", [], False)
    assert write_api.patch(f"/api/v1/sites/{site_id}", {"origins": ["bad"]}).status_code == 422


def test_given_site_when_key_rotated_then_new_key_and_snippet(write_api):
    created = _create(write_api).json()
    response = write_api.post(f"/api/v1/sites/{created['id']}/rotate-key")
    assert response.status_code == 200
    body = response.json()
    assert body["key"] != created["key"] and body["key"] in body["snippet"]


def test_given_site_when_deleted_then_204_and_events_kept(write_api):
    site_id = _create(write_api).json()["id"]
    Event.objects.create(source=f"s{site_id}", event_id="e1", site_id=site_id, type="page_view", occurred_at=NOW, received_at=NOW)
    response = write_api.delete(f"/api/v1/sites/{site_id}")
    assert response.status_code == 204
    assert not Site.objects.exists() and Event.objects.get().site_id is None


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/sites/999"), ("patch", "/api/v1/sites/999"), ("post", "/api/v1/sites/999/rotate-key"), ("delete", "/api/v1/sites/999")],
)
def test_given_unknown_site_then_404(write_api, method, path):
    response = getattr(write_api, method)(path, **({} if method in ("get", "delete") else {"body": {"name": "x"}}))
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


# ---------------------------------------------------------------- channel rules

def test_channel_rules_are_listed_in_order(read_api):
    rules = read_api.get("/api/v1/channel-rules").json()["rules"]
    assert [(r["field"], r["pattern"], r["channel"]) for r in rules] == [(r.field, r.pattern, r.channel) for r in channels.DEFAULT_RULES]
    assert [r["position"] for r in rules[:2]] == [10, 20] and all(r["is_active"] for r in rules)


def test_given_new_table_when_put_then_replaced_and_used(write_api):
    body = {"rules": [
        {"field": "utm_source", "pattern": "podcast", "channel": "referral"},
        {"field": "url_param", "pattern": "gclid", "channel": "paid_search", "is_active": False},
    ]}
    response = write_api.put("/api/v1/channel-rules", body)
    assert response.status_code == 200, response.content
    assert [(r["position"], r["field"], r["is_active"]) for r in response.json()["rules"]] == [(10, "utm_source", True), (20, "url_param", False)]
    assert site_selectors.channel_rules_active() == (channels.Rule("utm_source", "podcast", "referral"),)


def test_given_bad_rows_when_put_then_422_by_rule_index_and_nothing_changed(write_api):
    before = ChannelRule.objects.count()
    body = {"rules": [
        {"field": "utm_source", "pattern": "x", "channel": "email"},
        {"field": "host", "pattern": "", "channel": "email"},
    ]}
    response = write_api.put("/api/v1/channel-rules", body)
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"rules.1.field", "rules.1.pattern"}
    missing = write_api.put("/api/v1/channel-rules", {"rules": [{"field": "utm_source"}]})
    assert missing.status_code == 422 and "rules.0.pattern" in missing.json()["error"]["fields"]
    assert ChannelRule.objects.count() == before


def test_given_changed_table_when_reset_then_defaults(write_api):
    write_api.put("/api/v1/channel-rules", {"rules": []})
    response = write_api.post("/api/v1/channel-rules/reset")
    assert response.status_code == 200
    assert len(response.json()["rules"]) == len(channels.DEFAULT_RULES)


# ---------------------------------------------------------------- settings and cleanup

def test_tracking_settings_read_and_patch(read_api, write_api):
    assert read_api.get("/api/v1/tracking/settings").json()["anonymous_retention_days"] == 180
    response = write_api.patch("/api/v1/tracking/settings", {"anonymous_retention_days": 90, "respect_do_not_track": False})
    assert response.status_code == 200
    assert (response.json()["anonymous_retention_days"], response.json()["respect_do_not_track"]) == (90, False)
    site = _create(write_api).json()
    assert site["snippet"].rstrip().endswith("false);\n</script>")
    bad = write_api.patch("/api/v1/tracking/settings", {"anonymous_retention_days": 0})
    assert bad.status_code == 422 and list(bad.json()["error"]["fields"]) == ["anonymous_retention_days"]
    assert write_api.patch("/api/v1/tracking/settings", {"anonymous_retention_days": "many"}).status_code == 422
    assert read_api.get("/api/v1/tracking/settings").json()["anonymous_retention_days"] == 90


def test_given_old_anonymous_events_when_cleanup_then_counts_and_deletes(write_api):
    old = NOW - dt.timedelta(days=400)
    Event.objects.create(source="internal", event_id="old", type="page_view", occurred_at=old, received_at=old)
    Event.objects.create(source="internal", event_id="new", type="page_view", occurred_at=NOW, received_at=NOW)
    with clock.frozen_at(NOW):
        dry = write_api.post("/api/v1/tracking/cleanup", {"dry_run": True})
        assert dry.status_code == 200
        assert (dry.json()["events"], dry.json()["dry_run"], dry.json()["days"]) == (1, True, 180)
        assert Event.objects.count() == 2
        done = write_api.post("/api/v1/tracking/cleanup", {"days": 365}).json()
    assert (done["events"], done["dry_run"]) == (1, False)
    assert list(Event.objects.values_list("event_id", flat=True)) == ["new"]
    assert write_api.post("/api/v1/tracking/cleanup", {"days": 0}).status_code == 422


def test_operations_are_documented_in_openapi(read_api):
    schema = read_api.get("/api/v1/openapi.json").json()
    assert schema["paths"]["/api/v1/sites"]["post"]["summary"] == "Add a tracked site"
    assert "rules.<index>.<column>" in schema["paths"]["/api/v1/channel-rules"]["put"]["description"]
