"""Sending through an ESP's API (SARNAKH_EMAIL_URL=anymail://): anymail's test backend
gets the same message (both parts, List-Unsubscribe, our Message-ID), the ESP's id is
kept, and the ESP's webhook events for that id find the message."""

from __future__ import annotations

import base64
import json

import pytest
from anymail.exceptions import AnymailRecipientsRefused, AnymailRequestsAPIError
from django.core import mail

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.mail.delivery import esp_transport, services
from sarnakh.mail.subscriptions.models import Suppression

pytestmark = pytest.mark.django_db

SECRET = "postmark-hook:Fq9x2LkW7pZr4TmB"


@pytest.fixture
def esp(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.SARNAKH_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    mail.outbox = []


def _send(key: str = "news-1", to: str = "maryam@example.org"):
    contact = contact_upsert(data={"email": to, "consent": "subscribed"}, actor=Actor.system("tests")).contact
    sender = services.sender_create(from_name="تیم سرنخ", from_address="news@example.ir", reply_to="support@example.ir")
    services.sender_generate_dkim(sender_id=sender.pk, selector="s2026")
    return services.email_send(to=to, idempotency_key=key, subject="خبرنامهٔ آذر", html="<p dir='rtl'>سلام</p>",
                               text="سلام", kind="marketing", contact_id=contact.pk, headers={"X-Campaign": "azar"})


def test_given_anymail_then_the_esp_gets_both_parts_and_our_headers_and_its_id_is_kept(esp):
    row = _send()

    assert row.status == "sent" and row.esp_message_id == "0"
    [sent] = mail.outbox
    assert sent.subject == "خبرنامهٔ آذر" and sent.body.strip() == "سلام" and sent.to == ["maryam@example.org"]
    assert sent.alternatives[0][1] == "text/html" and "rtl" in sent.alternatives[0][0]
    assert sent.from_email == "تیم سرنخ <news@example.ir>" and sent.reply_to == ["support@example.ir"]
    assert sent.extra_headers["Message-ID"] == row.message_id
    assert sent.extra_headers["List-Unsubscribe"].startswith("<http") and sent.extra_headers["X-Campaign"] == "azar"
    assert sent.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "DKIM-Signature" not in sent.extra_headers  # the ESP signs; ours would break when it re-encodes


def test_given_a_message_sent_through_the_esp_then_its_bounce_webhook_finds_it(esp, client):
    row = _send()
    payload = {"RecordType": "Bounce", "ID": 99, "Type": "HardBounce", "MessageID": row.esp_message_id,
               "Email": row.to_address, "Details": "smtp;550 5.1.1 unknown", "BouncedAt": "2026-12-05T06:33:54Z"}

    response = client.post("/mail/esp/postmark/tracking/", data=json.dumps(payload), content_type="application/json",
                           HTTP_AUTHORIZATION="Basic " + base64.b64encode(SECRET.encode()).decode())

    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == "bounced_hard"
    assert Suppression.objects.filter(address=row.to_address, reason="hard_bounce").exists()


@pytest.mark.parametrize(("error", "status"), [
    (AnymailRecipientsRefused("all recipients rejected"), "bounced_hard"),
    (AnymailRequestsAPIError("ESP API 503"), "failed_temporary"),
])
def test_given_the_esp_refuses_then_a_refused_recipient_is_permanent_and_the_rest_temporary(esp, monkeypatch, error, status):
    def refuse(self, fail_silently=False):
        raise error

    monkeypatch.setattr(esp_transport.EmailMultiAlternatives, "send", refuse)

    assert _send().status == status
