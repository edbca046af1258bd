"""Fan-out: each event becomes one delivery per active webhook that wants it, never two."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from sarnakh.core import events
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventDelivery, EventRecord
from sarnakh.webhooks import services
from sarnakh.webhooks.delivery_services import deliveries_create
from sarnakh.webhooks.models import WebhookDelivery
from tests.webhooks.conftest import LeadQualified, NoteAdded, publish_now, ready_jobs

pytestmark = pytest.mark.django_db


def _hook(**extra):
    return services.webhook_create(**{"url": "https://hooks.invalid/in", "events": ["*"], **extra})


def test_an_event_gets_one_delivery_per_webhook_that_wants_it(settings):
    # given a webhook for every event, one for the qualified event only, one for notes, one switched off
    every, qualified = _hook(name="every"), _hook(name="qualified", events=["webhooks_test.qualified"])
    notes = _hook(name="notes", events=["webhooks_test.noted"])
    _hook(name="off", is_active=False)
    # when a change publishes a qualified lead
    publish_now(LeadQualified(contact_id=5, email="ali@example.com", score=97))
    event = EventRecord.objects.get()
    # then the fan-out subscriber has its delivery, and running it makes one delivery per wanting webhook
    assert EventDelivery.objects.filter(subscriber="webhooks.fan_out").count() == 1
    run_pending_jobs(limit=1)  # the fan-out only: its send jobs wait
    rows = WebhookDelivery.objects.order_by("webhook_id")
    assert [(d.webhook_id, d.event_id, d.event_name, d.status) for d in rows] == [
        (every.pk, event.pk, "webhooks_test.qualified", "pending"), (qualified.pk, event.pk, "webhooks_test.qualified", "pending"),
    ]
    assert notes.pk not in {d.webhook_id for d in rows}
    body = json.loads(rows[0].body)
    assert body == {
        "id": event.pk, "type": "webhooks_test.qualified", "occurred_at": event.occurred_at.isoformat(),
        "data": {"contact_id": 5, "email": "ali@example.com", "full_name": "", "score": 97},
    }


def test_fanning_out_the_same_events_again_makes_no_second_delivery_or_job():
    _hook()
    with transaction.atomic():
        events.publish_many([LeadQualified(contact_id=1), NoteAdded(contact_id=1, text="hi")])
    envelopes = events.envelopes_of(EventRecord.objects.first().batch, events.SUBSCRIBERS["webhooks.fan_out"])
    first = deliveries_create(envelopes)
    assert len(first) == 2 and len(ready_jobs("send_webhook_delivery")) == 2
    # when the batch is fanned out again (a retried job, a replay)
    assert deliveries_create(envelopes) == []
    assert WebhookDelivery.objects.count() == 2 and len(ready_jobs("send_webhook_delivery")) == 2
    # and the subscriber's own delivery is done once: its job finds it done
    run_pending_jobs(limit=1)
    assert WebhookDelivery.objects.count() == 2


def test_the_database_refuses_a_second_delivery_of_an_event_to_a_webhook():
    from django.db import IntegrityError

    hook = _hook()
    WebhookDelivery.objects.create(webhook=hook, event_id=9, event_name="x", body="{}", created_at=hook.created_at)
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookDelivery.objects.create(webhook=hook, event_id=9, event_name="x", body="{}", created_at=hook.created_at)


def test_without_webhooks_the_fan_out_writes_nothing():
    # not even its own delivery of the event: a site without webhooks pays one query per change
    publish_now(LeadQualified(contact_id=3))
    run_pending_jobs()
    assert WebhookDelivery.objects.count() == 0
    assert not EventDelivery.objects.filter(subscriber="webhooks.fan_out").exists()


def test_a_slack_webhook_gets_a_readable_line_with_a_link_to_the_contact(settings):
    settings.SARNAKH_BASE_URL = "https://crm.example.com"
    _hook(payload_format="slack", events=["webhooks_test.qualified", "webhooks_test.noted"])
    with pytest.MonkeyPatch.context() as patch:
        from sarnakh.webhooks import payloads

        patch.setitem(payloads.SLACK_LINES, "webhooks_test.qualified", payloads.SLACK_LINES["contact.qualified"])
        publish_now(
            LeadQualified(contact_id=42, full_name="Ali <Rezaei>", email="ali@example.com", score=97),
            NoteAdded(contact_id=None, text="x"),
        )
        run_pending_jobs(limit=1)
    texts = [json.loads(d.body) for d in WebhookDelivery.objects.order_by("id")]
    assert texts[0] == {"text": "New MQL: <https://crm.example.com/contacts/42/|Ali &lt;Rezaei&gt; (ali@example.com)> (score 97)"}
    # an event type without a line of its own posts its label
    assert texts[1] == {"text": "Note added (webhook tests)"}
