"""/api/v1/audiences: CRUD, export now, the latest export, the fetch URL; and the public
fetch URL itself (good, bad, revoked token)."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.segments.audiences import selectors
from tests.segments.audiences.support import contact, mixed_people, static_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path


def test_given_a_list_when_an_audience_is_made_exported_and_read_through_the_api_then_the_figures_match(write_api, read_api):
    # given
    segment = static_list(mixed_people().values())
    # when it is created
    created = write_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "Google", "platform": "google",
                                                  "identifiers": ["email", "phone"], "schedule": "daily"})
    assert created.status_code == 201, created.content
    audience = created.json()
    assert audience["fetch_url"].startswith("http") and audience["latest_export"] is None
    # and exported
    queued = write_api.post(f"/api/v1/audiences/{audience['id']}/export")
    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    run_pending_jobs()
    # then the latest export has the figures
    latest = read_api.get(f"/api/v1/audiences/{audience['id']}/exports/latest").json()
    assert latest["status"] == "done" and latest["exported"] == 2 and latest["has_file"]
    assert latest["excluded"] == {"unsubscribed": 1, "no_consent": 1, "no_email_or_phone": 1, "invalid_email": 1, "invalid_phone": 1}
    assert read_api.get(f"/api/v1/audiences/{audience['id']}").json()["latest_export"]["id"] == latest["id"]
    assert [a["id"] for a in read_api.get("/api/v1/audiences", {"segment_id": segment.pk}).json()] == [audience["id"]]


def test_given_bad_input_then_422_names_the_field_and_a_reader_cannot_write(write_api, read_api):
    segment = static_list([])
    bad = write_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "x", "platform": "google",
                                              "identifiers": ["name"]})
    assert bad.status_code == 422 and "identifiers" in bad.json()["error"]["fields"]
    assert write_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "x", "platform": "tiktok"}).status_code == 422
    assert write_api.post("/api/v1/audiences", {"segment_id": 99999, "name": "x", "platform": "meta"}).status_code == 404
    assert read_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "x", "platform": "meta"}).status_code == 403


def test_patch_regenerate_revoke_and_delete(write_api):
    segment = static_list([contact("a@example.com").pk])
    audience = write_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "x", "platform": "google"}).json()
    patched = write_api.patch(f"/api/v1/audiences/{audience['id']}", {"platform": "meta", "identifiers": ["email"]}).json()
    assert patched["platform"] == "meta" and patched["identifiers"] == ["email"]
    renewed = write_api.post(f"/api/v1/audiences/{audience['id']}/fetch-url").json()
    assert renewed["fetch_url"] and renewed["fetch_url"] != audience["fetch_url"]
    assert write_api.delete(f"/api/v1/audiences/{audience['id']}/fetch-url").json()["fetch_url"] == ""
    assert write_api.get(f"/api/v1/audiences/{audience['id']}/exports/latest").status_code == 404
    assert write_api.delete(f"/api/v1/audiences/{audience['id']}").status_code == 204
    assert write_api.get(f"/api/v1/audiences/{audience['id']}").status_code == 404


def test_given_a_fetch_url_then_a_good_token_gets_the_file_and_bad_or_revoked_ones_get_the_same_404(write_api, caplog):
    # given an exported audience
    segment = static_list([contact("feed@example.com").pk])
    audience = write_api.post("/api/v1/audiences", {"segment_id": segment.pk, "name": "feed", "platform": "meta",
                                                   "identifiers": ["email"]}).json()
    public = Client()
    path = audience["fetch_url"].split("//", 1)[1].split("/", 1)[1]
    # before any export there is no file: 404
    assert public.get("/" + path).status_code == 404
    write_api.post(f"/api/v1/audiences/{audience['id']}/export")
    run_pending_jobs()
    # when the platform fetches with the token
    good = public.get("/" + path)
    # then it gets the latest file without logging in
    assert good.status_code == 200
    assert b"".join(good.streaming_content).decode().splitlines()[0] == "EMAIL"
    assert good["Cache-Control"].startswith("max-age=0") or "no-store" in good["Cache-Control"]
    # a wrong token, another id and a revoked URL all answer 404 alike
    token = path.rsplit("/", 1)[1].removesuffix(".csv")
    wrong = public.get(f"/audiences/feed/{audience['id']}/{'0' * 64}.csv")
    other = public.get(f"/audiences/feed/{audience['id'] + 1}/{token}.csv")
    write_api.delete(f"/api/v1/audiences/{audience['id']}/fetch-url")
    revoked = public.get("/" + path)
    assert wrong.status_code == other.status_code == revoked.status_code == 404
    assert wrong.content == revoked.content
    assert selectors.feed_audience(audience["id"], token) is None
    # and the token never reaches the log
    assert token not in caplog.text
