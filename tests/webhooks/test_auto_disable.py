"""A webhook whose receiver fails for a day is switched off, the admins are emailed (real
SMTP) and the Webhooks page says so; one success in that day keeps it on."""

from __future__ import annotations

import pytest

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.webhooks import delivery_services, services
from sarnakh.webhooks.delivery_services import MAX_ATTEMPTS
from sarnakh.webhooks.models import Webhook, WebhookDelivery
from tests.conftest import make_user
from tests.webhooks.conftest import LeadQualified, make_due, publish_now, ready_jobs

pytestmark = pytest.mark.django_db


def _fail_all_attempts(receiver, attempts=MAX_ATTEMPTS):
    run_pending_jobs()
    for _attempt in range(attempts - 1):
        make_due()
        run_pending_jobs()


def test_a_webhook_failing_for_a_day_is_switched_off_and_the_admins_are_emailed(
    receiver, hook, smtp, admin_user, django_user_model, admin_client
):
    # given a second admin, a marketer, and a receiver that always fails
    make_user(django_user_model, "admin2", "admin")
    make_user(django_user_model, "marketer9", "marketing")
    receiver.answer(500, b"database down")
    # when one event fails all its attempts with no success in between
    publish_now(LeadQualified(contact_id=1))
    _fail_all_attempts(receiver)
    # then the delivery failed after 10 attempts and the webhook is switched off
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert len(receiver.requests) == MAX_ATTEMPTS
    webhook = Webhook.objects.get()
    assert (webhook.is_active, webhook.disabled_reason, webhook.consecutive_failures) == (False, "failing", MAX_ATTEMPTS)
    # and each admin got one email through the SMTP server
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert set(message["X-Envelope-To"].split(", ")) == {"admin1@example.com", "admin2@example.com"}
    assert "switched off" in message["Subject"]
    text = message.get_content()
    assert receiver.url in text and f"/settings/webhooks/{webhook.pk}/" in text and "HTTP 500" in text
    # and the Webhooks page shows it
    page = admin_client.get("/settings/webhooks/").content.decode()
    assert f'data-switched-off="{webhook.pk}"' in page and "was switched off" in page
    detail = admin_client.get(f"/settings/webhooks/{webhook.pk}/").content.decode()
    assert 'id="switched-off"' in detail
    # and new events are not sent, nor is the notice sent twice
    publish_now(LeadQualified(contact_id=2))
    run_pending_jobs()
    assert WebhookDelivery.objects.count() == 1 and len(smtp.messages) == 1
    assert delivery_services.webhook_disabled_notify(webhook_id=webhook.pk) == 0


def test_switching_it_on_again_clears_the_failures_and_deliveries_resume(receiver, hook, smtp, admin_user):
    receiver.answer(500)
    publish_now(LeadQualified(contact_id=1))
    _fail_all_attempts(receiver)
    assert not Webhook.objects.get().is_active
    services.webhook_update(webhook_id=hook.pk, is_active=True)
    webhook = Webhook.objects.get()
    assert (webhook.is_active, webhook.disabled_reason, webhook.consecutive_failures, webhook.failing_since) == (True, "", 0, None)
    receiver.answer(200)
    publish_now(LeadQualified(contact_id=2))
    run_pending_jobs()
    assert WebhookDelivery.objects.filter(status="delivered").count() == 1


def test_one_success_during_the_day_keeps_the_webhook_on(receiver, hook, smtp, admin_user):
    # given an event failing 9 attempts
    receiver.answer(500)
    publish_now(LeadQualified(contact_id=1))
    _fail_all_attempts(receiver, attempts=MAX_ATTEMPTS - 1)
    # when another delivery succeeds, and then the first one's last attempt fails
    receiver.answer(200)
    delivery_services.webhook_send_test(webhook_id=hook.pk)
    run_pending_jobs()
    receiver.answer(500)
    make_due()
    run_pending_jobs()
    # then that event failed, but the webhook stays on: the receiver is not dead
    failed = WebhookDelivery.objects.get(event_name="webhooks_test.qualified")
    assert (failed.status, failed.attempts) == ("failed", MAX_ATTEMPTS)
    webhook = Webhook.objects.get()
    assert webhook.is_active and webhook.consecutive_failures == 1
    assert smtp.messages == [] and ready_jobs("notify_webhook_disabled") == []


def test_without_an_admin_email_the_switch_off_is_only_logged(receiver, hook, smtp, caplog):
    receiver.answer(500)
    publish_now(LeadQualified(contact_id=1))
    _fail_all_attempts(receiver)
    assert not Webhook.objects.get().is_active
    assert smtp.messages == []
    assert "no admin has an email address" in caplog.text
