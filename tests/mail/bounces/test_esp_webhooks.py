"""ESP tracking webhooks through django-anymail: Postmark's and Mailgun's own payloads,
with basic auth (and Mailgun's signature), become bounces, complaints, deliveries and
unsubscribes; the same event twice changes nothing the second time."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from sarnakh.contacts import selectors as contacts
from sarnakh.core.models import EventRecord
from sarnakh.mail.bounces import services
from sarnakh.mail.bounces.models import Bounce, FeedbackReceipt
from sarnakh.mail.subscriptions.models import Suppression
from tests.mail.bounces.conftest import send

pytestmark = pytest.mark.django_db

SECRET = "postmark-hook:Fq9x2LkW7pZr4TmB"
MAILGUN_SIGNING_KEY = "key-mailgun-signing-0123456789"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
URL = "/mail/esp/postmark/tracking/"


@pytest.fixture
def postmark(settings):
    settings.SARNAKH_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "POSTMARK_SERVER_TOKEN": "server-token"}


@pytest.fixture
def mailgun(settings):
    settings.SARNAKH_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_API_KEY": "api-key", "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_SIGNING_KEY}


def _sent(key: str = "news-1", to: str = "maryam@example.org", esp_id: str = "883953f4-6105-42a2-a16a-77a8eac79483"):
    row = send(key, to)
    services.esp_message_id_record(email_id=row.pk, esp_message_id=esp_id)
    row.refresh_from_db()
    return row


def _post(client, payload: dict, url: str = URL, **headers):
    return client.post(url, data=json.dumps(payload), content_type="application/json", **{**AUTH, **headers})


def _bounce(row, type_: str = "HardBounce", id_: int = 4323372036854775807, details: str = "smtp;550 5.1.1 The email account does not exist"):
    return {"RecordType": "Bounce", "ID": id_, "Type": type_, "TypeCode": 1, "Name": "Hard bounce", "Tag": "news",
            "MessageID": row.esp_message_id, "Description": "The server was unable to deliver your message",
            "Details": details, "Email": row.to_address, "BouncedAt": "2026-12-05T06:33:54.9070259Z", "Inactive": True,
            "Metadata": {}}


def test_given_a_postmark_hard_bounce_then_the_address_is_suppressed_and_the_message_bounced(client, sender, postmark):
    row = _sent()

    response = _post(client, _bounce(row))

    assert response.status_code == 200, response.content
    row.refresh_from_db()
    assert row.status == "bounced_hard"
    assert Suppression.objects.filter(address=row.to_address, reason="hard_bounce").exists()
    event = EventRecord.objects.get(name="email.bounced")
    assert event.payload["bounce"] == "hard" and event.payload["email_id"] == row.pk
    bounce = Bounce.objects.get()
    assert (bounce.source, bounce.status_code) == ("esp:postmark", "5.1.1")


def test_given_the_same_postmark_event_twice_then_it_has_one_effect(client, sender, postmark):
    row = _sent()

    assert _post(client, _bounce(row)).status_code == 200
    assert _post(client, _bounce(row)).status_code == 200

    assert Bounce.objects.count() == 1 and FeedbackReceipt.objects.count() == 1
    assert EventRecord.objects.filter(name="email.bounced").count() == 1


def test_given_postmark_soft_bounces_then_they_are_soft(client, sender, postmark):
    row = _sent()

    _post(client, _bounce(row, "Transient", 1, "smtp;421 4.4.2 timeout"))  # anymail: deferred
    _post(client, _bounce(row, "SoftBounce", 2, "smtp;452 4.2.2 mailbox full"))  # anymail: bounced, but 4xx

    assert list(Bounce.objects.values_list("kind", flat=True)) == ["soft", "soft"]
    assert not Suppression.objects.exists()
    row.refresh_from_db()
    assert row.status == "sent"


def test_given_a_postmark_spam_complaint_then_the_address_is_suppressed_and_email_complained_published(client, sender, postmark):
    row = _sent()
    payload = {**_bounce(row, "SpamComplaint", 7), "RecordType": "SpamComplaint"}

    assert _post(client, payload).status_code == 200

    assert Suppression.objects.filter(address=row.to_address, reason="complaint").exists()
    assert EventRecord.objects.get(name="email.complained").payload["via"] == "esp:postmark"


def test_given_a_postmark_delivery_then_the_message_is_delivered_once(client, sender, postmark):
    row = _sent()
    payload = {"RecordType": "Delivery", "ServerID": 23, "MessageID": row.esp_message_id, "Recipient": row.to_address,
               "Tag": "news", "DeliveredAt": "2026-12-05T06:35:00Z", "Details": "Test delivery webhook details"}

    assert _post(client, payload).status_code == 200
    assert _post(client, payload).status_code == 200

    row.refresh_from_db()
    assert row.delivered_at is not None
    [event] = EventRecord.objects.filter(name="email.delivered")
    assert event.payload["email_id"] == row.pk and event.payload["esp"] == "postmark" and event.contact_id == row.contact_id


def test_given_a_postmark_unsubscribe_then_the_contact_is_unsubscribed_from_all(client, sender, postmark):
    row = _sent()
    payload = {"RecordType": "SubscriptionChange", "MessageID": row.esp_message_id, "ServerID": 23,
               "ChangedAt": "2026-12-05T06:40:00Z", "Recipient": row.to_address, "Origin": "Recipient",
               "SuppressSending": True, "SuppressionReason": "ManualSuppression", "Tag": "news", "Metadata": {}}

    assert _post(client, payload).status_code == 200

    assert contacts.contact_get(row.contact_id).consent == "unsubscribed"
    assert Suppression.objects.filter(address=row.to_address, reason="unsubscribed_all").exists()
    assert EventRecord.objects.filter(name="email.unsubscribed").count() == 1


def test_given_postmark_opens_and_a_click_then_they_are_recorded_as_engagement_with_the_same_machine_rules(client, sender, postmark):
    from sarnakh.mail.tracking.models import EmailEngagement

    row = _sent()
    person = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
    opens = [{"RecordType": "Open", "FirstOpen": True, "MessageID": row.esp_message_id, "Recipient": row.to_address,
              "ReceivedAt": "2026-12-05T06:41:00Z", "UserAgent": "Mozilla/5.0", "Tag": "news"},  # Apple's proxy
             {"RecordType": "Open", "FirstOpen": False, "MessageID": row.esp_message_id, "Recipient": row.to_address,
              "ReceivedAt": "2026-12-05T07:41:00Z", "UserAgent": person, "Tag": "news"}]
    click = {"RecordType": "Click", "MessageID": row.esp_message_id, "Recipient": row.to_address, "ClickLocation": "HTML",
             "OriginalLink": "https://example.org/pricing", "ReceivedAt": "2026-12-05T07:42:00Z", "UserAgent": person,
             "Tag": "news"}

    assert [_post(client, p).status_code for p in (*opens, click)] == [200, 200, 200]

    assert list(EmailEngagement.objects.order_by("occurred_at").values_list("kind", "machine", "url")) == [
        ("open", True, ""), ("open", False, ""), ("click", False, "https://example.org/pricing")]
    assert set(FeedbackReceipt.objects.values_list("outcome", flat=True)) == {"tracked"}
    assert not Bounce.objects.exists()


def test_given_wrong_basic_auth_then_the_webhook_refuses_and_nothing_changes(client, sender, postmark):
    row = _sent()
    bad = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"postmark-hook:guess").decode()}

    assert _post(client, _bounce(row), **bad).status_code == 400
    assert client.post(URL, data=json.dumps(_bounce(row)), content_type="application/json").status_code == 400

    assert not Suppression.objects.exists() and not FeedbackReceipt.objects.exists()


def test_given_no_esp_or_another_esp_then_the_webhook_is_not_found(client, settings, sender):
    settings.SARNAKH_ESP = ""
    assert _post(client, {}).status_code == 404
    settings.SARNAKH_ESP = "postmark"
    assert _post(client, {}, url="/mail/esp/mailgun/tracking/").status_code == 404


def _mailgun_payload(row, event: str, severity: str = "permanent", code: int = 550, timestamp: str = "1764914400"):
    token = "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(MAILGUN_SIGNING_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {"signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {"event": event, "severity": severity, "id": f"G9Bn5sl1TC6nu79C8C0bwg-{event}",
                           "timestamp": 1764914400.5, "recipient": row.to_address, "reason": "bounce",
                           "message": {"headers": {"message-id": row.esp_message_id}},
                           "delivery-status": {"code": code, "message": "5.1.1 The email account that you tried to reach does not exist",
                                               "description": "", "attempt-no": 1},
                           "log-level": "error", "user-variables": {}, "tags": []}}


def test_given_a_signed_mailgun_permanent_failure_then_it_is_a_hard_bounce(client, sender, mailgun):
    row = _sent(esp_id="20261205063000.1.ABCDEF@mg.example.ir")

    response = _post(client, _mailgun_payload(row, "failed"), url="/mail/esp/mailgun/tracking/")

    assert response.status_code == 200, response.content
    assert Suppression.objects.filter(address=row.to_address, reason="hard_bounce").exists()
    assert Bounce.objects.get().email_id == row.pk


def test_given_a_mailgun_payload_with_a_bad_signature_then_it_is_refused(client, sender, mailgun):
    row = _sent(esp_id="20261205063000.1.ABCDEF@mg.example.ir")
    payload = _mailgun_payload(row, "failed")
    payload["signature"]["signature"] = "0" * 64

    assert _post(client, payload, url="/mail/esp/mailgun/tracking/").status_code == 400
    assert not Suppression.objects.exists()
