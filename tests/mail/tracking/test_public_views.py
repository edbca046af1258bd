"""The click redirect and the open pixel: public, no login, no cookies; a tampered or
unknown token is a plain 404; the redirect goes only where the message's link went."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from sarnakh.core.models import EventRecord
from sarnakh.mail.tracking import links
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.mail.tracking.public_views import PIXEL
from sarnakh.mail.tracking.tokens import click_token, open_token
from tests.mail.tracking.support import sent_email

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def _client() -> Client:
    return Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.77")


def test_given_a_tracked_link_when_clicked_then_it_redirects_and_records_a_click_with_its_event():
    email = sent_email(contact_id=None)
    url = "https://example.ir/pricing?utm_source=sarnakh"
    response = _client().get(links.CLICK_PATH + click_token(email_id=email.pk, url=url))
    assert response.status_code == 302 and response["Location"] == url
    assert response["Cache-Control"] == "no-store" and not response.cookies
    [row] = EmailEngagement.objects.all()
    assert (row.kind, row.url, row.machine, row.ip_prefix, row.user_agent) == ("click", url, False, "203.0.113.0/24", BROWSER)
    event = EventRecord.objects.get(name="email.clicked")
    assert event.payload["url"] == url and event.payload["machine"] is False and event.payload["engagement_id"] == row.pk


def test_given_a_pixel_when_loaded_then_a_gif_is_answered_never_to_be_cached_and_an_open_recorded():
    email = sent_email()
    response = _client().get(links.OPEN_PATH + open_token(email_id=email.pk) + ".gif")
    assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert response.content == PIXEL and PIXEL.startswith(b"GIF89a") and not response.cookies
    assert "no-store" in response["Cache-Control"]
    assert EmailEngagement.objects.get().kind == "open"
    assert EventRecord.objects.filter(name="email.opened").count() == 1


def test_given_an_apple_proxy_prefetch_when_the_pixel_loads_then_the_open_is_a_machine_open():
    email = sent_email()
    Client(HTTP_USER_AGENT="Mozilla/5.0", REMOTE_ADDR="17.58.1.1").get(links.OPEN_PATH + open_token(email_id=email.pk) + ".gif")
    row = EmailEngagement.objects.get()
    assert (row.machine, row.machine_reason, row.ip_prefix) == (True, "apple_mpp", "17.58.1.0/24")


def test_given_a_tampered_token_when_followed_then_the_answer_is_a_plain_404_and_nothing_is_recorded(caplog):
    email, another = sent_email(), sent_email()
    good = click_token(email_id=email.pk, url="https://example.ir/a")
    other = click_token(email_id=email.pk, url="https://evil.example/")
    email_id, signature, _url = good.split(".")
    evil_url = other.split(".")[2]
    attempts = [
        f"{email_id}.{signature}.{evil_url}",  # another destination under this link's signature: no open redirect
        f"{another.pk}.{signature}.{good.split('.')[2]}",  # the same link under another message
        good[:-2],  # a cut URL
        "abc", "1.2", "x" * 5000, good + ".x", f"{email_id}.ééééé.{evil_url}",
    ]
    with caplog.at_level(logging.WARNING, logger="django.request"):
        answers = [_client().get(links.CLICK_PATH + token) for token in attempts]
        pixel = _client().get(links.OPEN_PATH + open_token(email_id=email.pk)[:-1] + "A.gif")
    assert {(r.status_code, r.content) for r in [*answers, pixel]} == {(404, b"Not found\n")}
    assert not any("Location" in r for r in answers)
    assert not EmailEngagement.objects.exists() and not EventRecord.objects.filter(name__startswith="email.").exists()
    assert not [r for r in caplog.records if r.name == "django.request"]  # the tokens stay out of the log


def test_given_a_link_of_a_message_that_does_not_exist_when_followed_then_404():
    assert _client().get(links.CLICK_PATH + click_token(email_id=999999, url="https://example.ir/")).status_code == 404
    assert _client().get(links.OPEN_PATH + open_token(email_id=999999) + ".gif").status_code == 404


def test_given_a_signed_url_that_is_not_http_when_followed_then_it_is_refused():
    email = sent_email()
    for url in ("javascript:alert(1)", "//evil.example/", "ftp://example.ir/"):
        assert _client().get(links.CLICK_PATH + click_token(email_id=email.pk, url=url)).status_code == 404


def test_given_a_head_request_when_a_link_is_checked_then_it_redirects_and_is_recorded_as_a_machine():
    email = sent_email()
    response = _client().head(links.CLICK_PATH + click_token(email_id=email.pk, url="https://example.ir/"))
    assert response.status_code == 302
    assert EmailEngagement.objects.get().machine_reason == "head_request"


def test_a_post_is_not_allowed():
    email = sent_email()
    assert _client().post(links.CLICK_PATH + click_token(email_id=email.pk, url="https://example.ir/")).status_code == 405
