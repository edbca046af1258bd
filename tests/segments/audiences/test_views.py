"""Audience pages in English and Persian: list, a segment's audiences (add), an audience
(edit, export now, download, fetch URL), and who may see them."""

from __future__ import annotations

import pytest

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.segments.audiences import selectors, services
from sarnakh.segments.audiences.models import Audience
from tests.segments.audiences.support import mixed_people, static_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path


@pytest.fixture
def exported(db):
    segment = static_list(mixed_people().values(), name="لیست تبلیغات")
    audience = services.audience_create(segment_id=segment.pk, name="Google pricing", platform="google",
                                        identifiers=["email", "phone"])
    services.export_now(audience_id=audience.pk)
    return audience


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Retargeting audiences", "Google pricing", "Invalid email", "Unsubscribed"]),
    ("fa", ["مخاطبان بازهدف‌گیری", "Google pricing", "ایمیل نامعتبر", "لغو اشتراک"]),
])
def test_given_an_exported_audience_when_the_pages_are_read_then_they_show_counts_and_reasons(marketer_client, exported, language, words):
    marketer_client.cookies["django_language"] = language
    listing = marketer_client.get("/audiences/")
    detail = marketer_client.get(f"/audiences/{exported.pk}/")
    segment_page = marketer_client.get(f"/segments/{exported.segment_id}/audiences/")
    assert listing.status_code == detail.status_code == segment_page.status_code == 200
    text = listing.content.decode() + detail.content.decode()
    for word in words:
        assert word in text
    assert selectors.feed_url(exported) in detail.content.decode()
    assert 'id="download-latest"' in detail.content.decode()


def test_given_the_segment_page_when_an_audience_is_added_then_it_opens_and_bad_input_is_refused(marketer_client):
    segment = static_list([])
    bad = marketer_client.post(f"/segments/{segment.pk}/audiences/", {"name": "x", "platform": "meta", "identifiers": ["name"]})
    assert bad.status_code == 422 and not Audience.objects.exists()
    good = marketer_client.post(f"/segments/{segment.pk}/audiences/",
                                {"name": "Meta buyers", "platform": "meta", "identifiers": ["email", "phone"], "schedule": "weekly"})
    audience = Audience.objects.get()
    assert good.status_code == 302 and good["Location"] == f"/audiences/{audience.pk}/"
    assert audience.schedule == "weekly" and audience.identifiers == ["email", "phone"]


def test_given_an_audience_page_when_actions_are_posted_then_they_take_effect(marketer_client, exported):
    old_url = selectors.feed_url(exported)
    assert marketer_client.post(f"/audiences/{exported.pk}/", {"action": "export"}).status_code == 302
    run_pending_jobs()
    assert exported.exports.filter(status="done").count() == 2
    marketer_client.post(f"/audiences/{exported.pk}/", {"action": "regenerate"})
    assert selectors.feed_url(selectors.audience_get(exported.pk)) not in ("", old_url)
    marketer_client.post(f"/audiences/{exported.pk}/", {"action": "revoke"})
    assert selectors.feed_url(selectors.audience_get(exported.pk)) == ""
    saved = marketer_client.post(f"/audiences/{exported.pk}/", {"action": "save", "name": "Renamed", "platform": "meta",
                                                                 "identifiers": ["email"], "schedule": "daily"})
    assert saved.status_code == 302 and selectors.audience_get(exported.pk).name == "Renamed"
    download = marketer_client.get(f"/audiences/{exported.pk}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"Email,Phone")
    marketer_client.post(f"/audiences/{exported.pk}/", {"action": "delete"})
    assert not Audience.objects.exists()


def test_given_a_sales_user_then_audience_pages_are_refused(sales_client, exported):
    assert sales_client.get("/audiences/").status_code == 403
    assert sales_client.get(f"/audiences/{exported.pk}/download/").status_code == 403


def test_given_an_anonymous_visitor_then_staff_pages_redirect_to_login(client, exported):
    assert client.get("/audiences/").status_code == 302
    assert client.get(f"/audiences/{exported.pk}/download/").status_code == 302
