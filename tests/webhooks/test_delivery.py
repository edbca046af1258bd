"""Sending: signed deliveries to a real receiver on this machine, retries with backoff,
no redirects, redelivery, test pings, and switching off a webhook that keeps failing."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.webhooks import delivery_services, sending, services, signing
from sarnakh.webhooks.delivery_services import MAX_ATTEMPTS, RETRY_DELAYS
from sarnakh.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.webhooks.conftest import LeadQualified, make_due, publish_now, ready_jobs
from tests.webhooks.test_signing import documented_verify

pytestmark = pytest.mark.django_db


def _later():
    """A clock a day ahead of the real one: retries queued from it are not due yet."""
    return clock.frozen_at(dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1))


def test_a_delivery_arrives_signed_and_verifies_with_the_documented_recipe(receiver, hook):
    # when an event is published and the background work runs
    publish_now(LeadQualified(contact_id=7, email="ali@example.com", full_name="علی رضایی", score=97))
    run_pending_jobs()
    # then the receiver got one POST with the event and the headers
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    event = EventRecord.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/hooks/sarnakh"
    assert request.json() == {
        "id": event.pk, "type": "webhooks_test.qualified", "occurred_at": event.occurred_at.isoformat(),
        "data": {"contact_id": 7, "email": "ali@example.com", "full_name": "علی رضایی", "score": 97},
    }
    assert request.headers["Sarnakh-Event"] == "webhooks_test.qualified"
    assert request.headers["Sarnakh-Delivery"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("Sarnakh-Webhooks/")
    assert request.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert documented_verify()(hook.secret, request.headers["Sarnakh-Signature"], request.body)
    assert not documented_verify()(signing.new_secret(), request.headers["Sarnakh-Signature"], request.body)
    # and the log says delivered, with the answer
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 1, 200)
    attempt = WebhookAttempt.objects.get()
    assert (attempt.number, attempt.succeeded, attempt.status_code, attempt.response_body, attempt.manual) == (1, True, 200, "ok", False)
    assert Webhook.objects.get().last_success_at is not None


@pytest.mark.parametrize(("status", "kind"), [(500, "status"), (404, "status"), (302, "redirect")])
def test_a_failed_attempt_is_retried_with_backoff_until_it_succeeds(receiver, hook, status, kind):
    # given a receiver that fails twice (a 302 is a failure: redirects are not followed)
    receiver.answer_in_turn((status, {"Location": "http://127.0.0.1:1/elsewhere"}, b"nope"), (status, {"Location": "/x"}, b"nope"), (200, {}, b"ok"))
    with _later():
        start = clock.now()
        publish_now(LeadQualified(contact_id=1))
        run_pending_jobs()
        # then the first attempt failed and a retry waits for its time
        delivery = WebhookDelivery.objects.get()
        assert (delivery.status, delivery.attempts, delivery.last_status_code, delivery.last_error_kind) == ("retrying", 1, status, kind)
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=RETRY_DELAYS[0])
        (retry,) = ready_jobs("send_webhook_delivery")
        assert retry.run_after == delivery.next_attempt_at and retry.args_kwargs["args"] == [delivery.pk, 2]
    assert len(receiver.requests) == 1  # nothing followed the redirect
    # when the retries come due
    make_due()
    with _later():
        second_start = clock.now()
        run_pending_jobs()
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == second_start + dt.timedelta(seconds=RETRY_DELAYS[1])
    make_due()
    run_pending_jobs()
    # then the third attempt delivered it, and each attempt is logged
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    assert [(a.number, a.status_code, a.succeeded) for a in delivery.attempt_log.all()] == [(1, status, False), (2, status, False), (3, 200, True)]
    assert all(r.path == "/hooks/sarnakh" for r in receiver.requests) and len(receiver.requests) == 3
    assert ready_jobs("send_webhook_delivery") == []


def test_the_backoff_spreads_ten_attempts_over_about_a_day():
    assert MAX_ATTEMPTS == 10
    assert list(RETRY_DELAYS) == sorted(RETRY_DELAYS)
    assert 20 * 3600 <= sum(RETRY_DELAYS) <= 26 * 3600


def test_a_receiver_that_does_not_answer_in_time_is_a_failed_attempt(receiver, hook, monkeypatch):
    # given a receiver slower than the read timeout
    monkeypatch.setattr(sending, "READ_TIMEOUT", 0.3)
    receiver.answers = _DelayedAnswers((200, {}, b"late"), delay=1.0)
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    # then the attempt failed as a timeout and waits for its retry
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error_kind, delivery.last_status_code) == ("retrying", "timeout", None)
    assert len(ready_jobs("send_webhook_delivery")) == 1


class _DelayedAnswers(list):
    """An answer list whose answer comes after a delay (the handler reads item 0)."""

    def __init__(self, answer, *, delay: float):
        super().__init__([answer])
        self.delay = delay

    def __getitem__(self, index):
        time.sleep(self.delay)
        return super().__getitem__(index)


def test_an_address_refused_at_send_time_is_a_failed_attempt_without_a_connection(receiver, hook, settings):
    # given a webhook saved while private addresses were allowed, and then they are not
    settings.SARNAKH_WEBHOOKS_ALLOW_PRIVATE = False
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error_kind) == ("retrying", "refused")
    assert "loopback" in delivery.last_error
    assert receiver.requests == []


def test_redelivery_makes_a_new_attempt_with_the_same_body_and_ids(receiver, hook):
    publish_now(LeadQualified(contact_id=3))
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    # when it is sent again on demand
    delivery_services.delivery_redeliver(webhook_id=hook.pk, delivery_id=delivery.pk)
    delivery_services.delivery_redeliver(webhook_id=hook.pk, delivery_id=delivery.pk)  # asked twice before it ran
    run_pending_jobs()
    # then one more attempt went out with the same body and delivery id
    assert len(receiver.requests) == 2
    first, second = receiver.requests
    assert second.body == first.body and second.headers["Sarnakh-Delivery"] == first.headers["Sarnakh-Delivery"]
    assert (first.headers["Sarnakh-Attempt"], second.headers["Sarnakh-Attempt"]) == ("1", "2")
    assert documented_verify()(hook.secret, second.headers["Sarnakh-Signature"], second.body)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.status, delivery.manual_requested) == (2, "delivered", False)
    assert [(a.number, a.manual) for a in delivery.attempt_log.all()] == [(1, False), (2, True)]
    # and running the jobs again sends nothing more
    run_pending_jobs()
    assert len(receiver.requests) == 2


def test_a_failed_redelivery_of_a_failed_delivery_starts_no_new_retries(receiver, hook):
    receiver.answer(503)
    publish_now(LeadQualified(contact_id=3))
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed", auto_attempts=MAX_ATTEMPTS)
    DBTaskResult.objects.filter(status="READY").delete()
    delivery_services.delivery_redeliver(webhook_id=hook.pk, delivery_id=delivery.pk)
    run_pending_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert ready_jobs("send_webhook_delivery") == []


def test_a_redelivery_while_retries_wait_leaves_them_in_place(receiver, hook):
    receiver.answer(500)
    with _later():
        publish_now(LeadQualified(contact_id=3))
        run_pending_jobs()
        delivery = WebhookDelivery.objects.get()
        next_try = delivery.next_attempt_at
        delivery_services.delivery_redeliver(webhook_id=hook.pk, delivery_id=delivery.pk)
        run_pending_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.auto_attempts, delivery.next_attempt_at) == ("retrying", 2, 1, next_try)
    assert len(ready_jobs("send_webhook_delivery")) == 1
    # when the receiver is fixed and the retry comes due, it is delivered
    receiver.answer(200)
    make_due()
    run_pending_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 3)


def test_redelivering_while_an_attempt_is_under_way_is_a_conflict(hook):
    from sarnakh.core.errors import Conflict

    delivery = WebhookDelivery.objects.create(webhook=hook, event_id=1, event_name="x", body="{}", status="sending", claimed_at=clock.now(), created_at=clock.now())
    with pytest.raises(Conflict):
        delivery_services.delivery_redeliver(webhook_id=hook.pk, delivery_id=delivery.pk)


def test_an_attempt_claimed_elsewhere_is_not_sent_twice_and_a_stale_claim_is_taken_over(receiver, hook):
    now = clock.now()
    delivery = WebhookDelivery.objects.create(
        webhook=hook, event_id=1, event_name="webhooks_test.qualified", body="{}", status="sending", claimed_at=now,
        attempts=1, auto_attempts=1, status_before_claim="pending", created_at=now,
    )
    # while another process sends attempt 1, the job of attempt 1 waits for it instead of sending
    assert delivery_services.delivery_attempt(delivery_id=delivery.pk, attempt=1) == "busy"
    assert receiver.requests == []
    (later,) = ready_jobs("send_webhook_delivery")
    assert later.run_after > now + dt.timedelta(seconds=delivery_services.CLAIM_SECONDS)
    # if that process died, the attempt is made again once its claim is stale
    with clock.frozen_at(now + dt.timedelta(seconds=delivery_services.CLAIM_SECONDS + 5)):
        assert delivery_services.delivery_attempt(delivery_id=delivery.pk, attempt=1) == "delivered"
    assert len(receiver.requests) == 1
    # and a late duplicate of the job finds it done
    assert delivery_services.delivery_attempt(delivery_id=delivery.pk, attempt=1) == "already"
    assert len(receiver.requests) == 1


def test_a_test_event_is_sent_once_and_logged(receiver, hook):
    delivery = delivery_services.webhook_send_test(webhook_id=hook.pk)
    run_pending_jobs()
    assert len(receiver.requests) == 1
    body = receiver.requests[0].json()
    assert (body["id"], body["type"], body["data"]["webhook_id"]) == (None, "webhook.test", hook.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.event_id, delivery.retries) == ("delivered", None, False)


def test_a_failed_test_event_is_not_retried(receiver, hook):
    receiver.answer(500)
    delivery_services.webhook_send_test(webhook_id=hook.pk)
    run_pending_jobs()
    assert WebhookDelivery.objects.get().status == "failed"
    assert ready_jobs("send_webhook_delivery") == [] and ready_jobs("redeliver_webhook_delivery") == []


def test_after_a_rotation_deliveries_carry_both_signatures_for_a_day(receiver, hook):
    old = hook.secret
    new = services.webhook_rotate_secret(webhook_id=hook.pk).secret
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    header, body = receiver.requests[0].headers["Sarnakh-Signature"], receiver.requests[0].body
    assert header.count("v1=") == 2
    assert documented_verify()(old, header, body) and documented_verify()(new, header, body)
    with clock.frozen_at(clock.now() + services.PREVIOUS_SECRET_VALID + dt.timedelta(minutes=1)):
        delivery_services.webhook_send_test(webhook_id=hook.pk)
        run_pending_jobs()
    assert receiver.requests[1].headers["Sarnakh-Signature"].count("v1=") == 1


def test_a_switched_off_webhook_gets_nothing_and_its_waiting_retries_stop(receiver, hook):
    receiver.answer(500)
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    services.webhook_update(webhook_id=hook.pk, is_active=False)
    make_due()
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error_kind, delivery.attempts) == ("failed", "off", 1)
    publish_now(LeadQualified(contact_id=2))
    run_pending_jobs()
    assert WebhookDelivery.objects.count() == 1 and len(receiver.requests) == 1


def test_old_finished_deliveries_leave_the_log(receiver, hook):
    old = WebhookDelivery.objects.create(
        webhook=hook, event_id=None, event_name="webhook.test", body="{}", status="delivered", created_at=clock.now() - dt.timedelta(days=31)
    )
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    assert not WebhookDelivery.objects.filter(pk=old.pk).exists()
    assert WebhookDelivery.objects.count() == 1


def test_https_goes_to_the_checked_address_with_the_url_host_in_sni_and_the_certificate_check(tls_receiver, allow_private):
    # given an https receiver whose certificate names localhost
    hook = services.webhook_create(url=f"https://localhost:{tls_receiver.port}/hooks/sarnakh", events=["*"])
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    # then it was delivered over TLS to 127.0.0.1, verified for the name in the URL
    assert WebhookDelivery.objects.get().status == "delivered"
    (request,) = tls_receiver.requests
    assert request.headers["Host"] == f"localhost:{tls_receiver.port}"
    assert documented_verify()(hook.secret, request.headers["Sarnakh-Signature"], request.body)


def test_a_certificate_for_another_name_is_a_failed_attempt(tls_receiver, allow_private):
    # 127.0.0.1 is the same server, but its certificate does not name it
    services.webhook_create(url=f"https://127.0.0.1:{tls_receiver.port}/hooks/sarnakh", events=["*"])
    publish_now(LeadQualified(contact_id=1))
    run_pending_jobs()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.last_error_kind) == ("retrying", "tls")
    assert tls_receiver.requests == []
