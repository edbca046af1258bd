"""email_send(track=True): the message the server receives has tracked links with UTM
parameters and an open pixel, the unsubscribe links untouched."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.mail.delivery import services
from sarnakh.mail.tracking import links
from sarnakh.mail.tracking.tokens import read_click_token
from tests.mail.delivery.conftest import sink  # noqa: F401 - the SMTP server fixture

pytestmark = pytest.mark.django_db(transaction=True)

HTML = ('<html><body><p><a href="https://example.ir/pricing">قیمت‌ها</a></p>'
        '<p><a href="mailto:hi@example.ir">hi</a></p></body></html>')
TEXT = "قیمت‌ها (https://example.ir/pricing)"


def _send(track: bool, key: str):
    contact = contact_upsert(data={"email": "leila@example.ir", "consent": "subscribed"}, actor=Actor.system("tests")).contact
    return services.email_send(to="leila@example.ir", subject="قیمت‌های تازه", html=HTML, text=TEXT, kind="marketing",
                               idempotency_key=key, contact_id=contact.pk, track=track,
                               utm={"campaign": "price-1405"} if track else None)


def test_given_tracking_when_a_message_is_sent_then_its_links_redirect_through_sarnakh_with_utm(sink, settings):  # noqa: F811
    settings.SARNAKH_BASE_URL = "https://crm.example.ir"
    row = _send(True, "tracked-1")
    [got] = sink.received
    html = got.message.get_body(("html",)).get_content()
    text = got.message.get_body(("plain",)).get_content()
    [tracked] = re.findall(r'href="(https://crm\.example\.ir/e/c/[^"]+)"', html)
    email_id, url = read_click_token(tracked.split(links.CLICK_PATH)[1])
    assert email_id == row.pk
    assert parse_qs(urlsplit(url).query) == {"utm_source": ["sarnakh"], "utm_medium": ["email"], "utm_campaign": ["price-1405"]}
    assert 'href="mailto:hi@example.ir"' in html
    assert re.search(r'<img src="https://crm\.example\.ir/e/o/[^"]+\.gif"[^>]*/></body>', html)
    assert "https://crm.example.ir/e/c/" in text and "https://example.ir/pricing" not in text
    assert "/e/" not in got.message["List-Unsubscribe"]


def test_given_no_tracking_when_a_message_is_sent_then_its_links_are_as_written(sink):  # noqa: F811
    _send(False, "plain-1")
    html = sink.received[0].message.get_body(("html",)).get_content()
    assert 'href="https://example.ir/pricing"' in html and "/e/o/" not in html
