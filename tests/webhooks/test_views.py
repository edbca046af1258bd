"""Settings → Webhooks: admins only; add with the secret shown once; edit; the delivery log
with redelivery and a test event; English and Persian."""

from __future__ import annotations

import re

import pytest

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.ui.formatting import isolate
from sarnakh.webhooks import services
from sarnakh.webhooks.models import Webhook, WebhookDelivery
from tests.webhooks.conftest import LeadQualified, publish_now

pytestmark = pytest.mark.django_db


def test_only_admins_see_webhooks(admin_client, marketer_client, sales_client, client):
    assert admin_client.get("/settings/webhooks/").status_code == 200
    assert marketer_client.get("/settings/webhooks/").status_code == 403
    assert sales_client.get("/settings/webhooks/new/").status_code == 403
    assert client.get("/settings/webhooks/").status_code == 302  # to the login page
    assert 'href="/settings/webhooks/"' in admin_client.get("/settings/").content.decode()


def test_adding_a_webhook_shows_its_secret_once(admin_client):
    form = admin_client.get("/settings/webhooks/new/").content.decode()
    assert 'value="webhooks_test.qualified"' in form and 'value="*"' in form
    response = admin_client.post(
        "/settings/webhooks/new/",
        {"name": "Sales Slack", "url": "https://hooks.invalid/T000/B000", "payload_format": "slack", "events": ["webhooks_test.qualified"], "is_active": "on"},
    )
    webhook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/settings/webhooks/{webhook.pk}/"
    assert (webhook.name, webhook.payload_format, webhook.events, webhook.is_active) == ("Sales Slack", "slack", ["webhooks_test.qualified"], True)
    first = admin_client.get(response["Location"]).content.decode()
    assert webhook.secret in first
    second = admin_client.get(response["Location"]).content.decode()
    assert webhook.secret not in second


def test_a_refused_address_re_renders_the_form_with_the_error_and_the_typed_values(admin_client):
    response = admin_client.post("/settings/webhooks/new/", {"name": "Inside", "url": "http://10.0.0.8/hook", "payload_format": "json", "events": ["*"]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "a private network" in page and 'value="http://10.0.0.8/hook"' in page and 'value="Inside"' in page
    assert not Webhook.objects.exists()


def test_editing_switching_off_and_rotating(admin_client):
    webhook = services.webhook_create(url="https://hooks.invalid/a", events=["*"])
    page = f"/settings/webhooks/{webhook.pk}/"
    response = admin_client.post(page, {"action": "save", "name": "Renamed", "url": "https://hooks.invalid/b", "payload_format": "json", "events": ["webhooks_test.noted"]})
    assert response.status_code == 302
    webhook.refresh_from_db()
    assert (webhook.name, webhook.url, webhook.events, webhook.is_active) == ("Renamed", "https://hooks.invalid/b", ["webhooks_test.noted"], False)
    old = webhook.secret
    admin_client.post(page, {"action": "rotate"})
    webhook.refresh_from_db()
    assert webhook.secret != old and webhook.secret in admin_client.get(page).content.decode()


def test_the_delivery_log_lists_attempts_and_redelivers(admin_client, receiver, hook):
    receiver.answer(502, b"bad gateway")
    publish_now(LeadQualified(contact_id=4))
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    page = admin_client.get(f"/settings/webhooks/{hook.pk}/").content.decode()
    assert f'data-delivery="{delivery.pk}"' in page and "Retrying" in page and ">502<" in page and "bad gateway" in page
    listing = admin_client.get("/settings/webhooks/").content.decode()
    assert "Retrying" in listing and "1 failed attempts in a row" in listing
    # when an admin redelivers it after fixing the receiver
    receiver.answer(200)
    admin_client.post(f"/settings/webhooks/{hook.pk}/", {"action": "redeliver", "delivery_id": delivery.pk})
    run_pending_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    # and a test event from the page
    admin_client.post(f"/settings/webhooks/{hook.pk}/", {"action": "test"})
    run_pending_jobs()
    assert receiver.requests[-1].json()["type"] == "webhook.test"


def test_deleting_a_webhook_from_its_page(admin_client):
    webhook = services.webhook_create(url="https://hooks.invalid/a", events=["*"])
    response = admin_client.post(f"/settings/webhooks/{webhook.pk}/", {"action": "delete"})
    assert response.status_code == 302 and not Webhook.objects.exists()
    assert admin_client.get(f"/settings/webhooks/{webhook.pk}/").status_code == 404


def test_the_pages_in_persian_are_translated_and_isolate_user_values(admin_client, receiver, hook):
    services.webhook_update(webhook_id=hook.pk, name="Sales hook")
    publish_now(LeadQualified(contact_id=4))
    run_pending_jobs()
    admin_client.cookies["django_language"] = "fa"
    listing = admin_client.get("/settings/webhooks/").content.decode()
    detail = admin_client.get(f"/settings/webhooks/{hook.pk}/").content.decode()
    assert 'dir="rtl"' in listing
    assert "وب‌هوک" in listing and "Add webhook" not in listing
    assert isolate("Sales hook") in listing
    assert "Delivery log" not in detail and "Redeliver" not in detail
    assert re.search(r"[۰-۹]", detail)  # numbers and dates in Persian digits
