"""Done when: a webhook subscribed to an event receives one signed delivery right after the
change commits, with no worker poll, and a redelivery on demand."""

from __future__ import annotations

import pytest
from django.db import transaction

from sarnakh.core.events import publish
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.webhooks import fast_send, services
from sarnakh.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import LeadQualified, NoteAdded
from tests.webhooks.test_signing import documented_verify

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_qualified_lead_reaches_its_webhook_right_after_commit_and_again_on_demand(receiver, allow_private, write_api):
    # given a webhook for qualified leads only
    hook = services.webhook_create(url=receiver.url, events=["webhooks_test.qualified"])
    # when a change commits a qualified lead (and a note nobody asked for)
    with transaction.atomic():
        publish(LeadQualified(contact_id=11, email="sara@example.com", score=96), actor="scoring")
        publish(NoteAdded(contact_id=11, text="called"))
    # then the fast path delivers it, signed, before any worker has run a job
    assert receiver.wait_for(1, timeout=15), "no delivery arrived"
    assert fast_send.wait_idle(timeout=15)
    (request,) = receiver.requests
    assert request.json()["type"] == "webhooks_test.qualified" and request.json()["data"]["email"] == "sara@example.com"
    assert documented_verify()(hook.secret, request.headers["Sarnakh-Signature"], request.body)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    # and the queued jobs, when a worker gets to them, find it done
    run_pending_jobs()
    assert len(receiver.requests) == 1
    # when it is redelivered through the API
    response = write_api.post(f"/api/v1/webhooks/{hook.pk}/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202, response.content
    # then a second signed attempt arrives, again without a worker
    assert receiver.wait_for(2, timeout=15), "the redelivery did not arrive"
    assert fast_send.wait_idle(timeout=15)
    second = receiver.requests[1]
    assert second.body == request.body and second.headers["Sarnakh-Delivery"] == str(delivery.pk)
    assert documented_verify()(hook.secret, second.headers["Sarnakh-Signature"], second.body)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.manual_requested) == ("delivered", 2, False)
    run_pending_jobs()
    assert len(receiver.requests) == 2


def test_an_event_published_by_another_fast_subscriber_also_goes_out_without_a_worker(receiver, allow_private):
    # given a fast subscriber that qualifies the lead on a note (as scoring does on new
    # behaviour), and a webhook for qualified leads
    from sarnakh.core import events

    def qualify(envelopes):
        for envelope in envelopes:
            publish(LeadQualified(contact_id=envelope.event.contact_id, score=99))

    events.subscribe("webhooks_test.noted", key="tests.qualify_on_note", fast=True)(qualify)
    try:
        services.webhook_create(url=receiver.url, events=["webhooks_test.qualified"])
        # when the note commits
        with transaction.atomic():
            publish(NoteAdded(contact_id=21, text="asked for a demo"))
        # then the qualified event it caused reaches the receiver with no worker poll
        assert receiver.wait_for(1, timeout=15), "no delivery arrived"
        assert fast_send.wait_idle(timeout=15)
    finally:
        events.SUBSCRIBERS.pop("tests.qualify_on_note", None)
    (request,) = receiver.requests
    assert (request.json()["type"], request.json()["data"]["contact_id"]) == ("webhooks_test.qualified", 21)
    run_pending_jobs()
    assert len(receiver.requests) == 1


def test_a_lead_crossing_the_bar_from_tracked_behaviour_reaches_a_contact_qualified_webhook(receiver, allow_private, client):
    # given the shipped default model, a known visitor with a manager title, and a webhook
    # for contact.qualified (the "done when", end to end through the real apps)
    from sarnakh.contacts.services import contact_upsert
    from sarnakh.core.actor import Actor
    from sarnakh.tracking.processor import process_all_pending
    from tests.scoring.test_models_services import ensure_scoring_defaults
    from tests.tracking.factories import make_site, page_view, post_events, track

    ensure_scoring_defaults()
    hook = services.webhook_create(url=receiver.url, events=["contact.qualified"])
    site = make_site()
    contact = contact_upsert(data={"email": "sara@acme-industries.com", "job_title": "Sales Manager"}, actor=Actor.system()).contact
    post_events(client, {"site_key": site.key, "events": [{"type": "identify", "visitor_id": "v9", "properties": {"email": contact.email}}]})
    process_all_pending()
    # when the visitor reads pricing three times and asks for a demo, and the chunk is processed
    url = "https://www.example.com"
    post_events(client, {"site_key": site.key, "events": [
        page_view("v9", f"{url}/pricing"), page_view("v9", f"{url}/pricing?plan=pro"), page_view("v9", f"{url}/fa/pricing"),
        track("v9", "demo_requested"),
    ]})
    process_all_pending()
    # then, with no job run, scoring qualified the lead on commit and the webhook got one signed delivery
    assert receiver.wait_for(1, timeout=15), "no delivery arrived"
    assert fast_send.wait_idle(timeout=15)
    (request,) = receiver.requests
    body = request.json()
    assert body["type"] == "contact.qualified" and body["data"]["contact_id"] == contact.pk and body["data"]["moved_to_mql"] is True
    assert documented_verify()(hook.secret, request.headers["Sarnakh-Signature"], request.body)
    run_pending_jobs()
    assert len(receiver.requests) == 1
