"""Domain events: published in the transaction that made the change, logged once, each
subscriber given the transaction's events once, failures retried without blocking others."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock, events
from sarnakh.core.events import ALL_EVENTS, DomainEvent, domain_event, publish, subscribe
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventDelivery, EventRecord
from sarnakh.core.registry import UnknownKey

pytestmark = pytest.mark.django_db
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # a retry made due now


@domain_event("test.happened", label="Something happened (tests)")
@dataclass(frozen=True, kw_only=True)
class Happened(DomainEvent):
    what: str = ""
    count: int = 0


@domain_event("test.other", label="Something else (tests)")
@dataclass(frozen=True, kw_only=True)
class Other(DomainEvent):
    pass


@pytest.fixture(autouse=True)
def only_the_tests_subscribers(monkeypatch):
    """The bus is tested on its own: the apps' subscribers (webhooks wants every event)
    are set aside, so each test sees the deliveries of its own subscribers only."""
    monkeypatch.setattr(events, "SUBSCRIBERS", {})


@pytest.fixture
def received():
    """Registers test subscribers for the test and forgets them after it."""
    calls: dict[str, list[list[events.Envelope]]] = {}
    added: list[str] = []

    def add(*names, key, fast=False, fail_times=0, when=None):
        state = {"failures_left": fail_times}

        def handler(envelopes):
            if state["failures_left"]:
                state["failures_left"] -= 1
                raise RuntimeError("boom")
            calls.setdefault(key, []).append(envelopes)

        subscribe(*names, key=key, fast=fast, when=when)(handler)
        added.append(key)
        return calls.setdefault(key, [])

    yield add
    for key in added:
        events.SUBSCRIBERS.pop(key, None)


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        publish(Happened(what="x"))


def test_unknown_event_names_raise_when_published_or_subscribed():
    with pytest.raises(UnknownKey):
        events.event_from("test.nope", {})
    with pytest.raises(UnknownKey):
        subscribe("test.nope", key="tests.nope")(lambda envelopes: None)


def test_a_rolled_back_change_delivers_nothing(received):
    calls = received("test.happened", key="tests.a")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(Happened(what="lost"))
        raise ZeroDivisionError
    assert EventRecord.objects.count() == 0 and EventDelivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    run_pending_jobs()
    assert calls == []


def test_an_event_is_logged_once_and_each_subscriber_gets_it_once(received):
    # given two subscribers of the event and one of another event
    first, second, other = received("test.happened", key="tests.a"), received(ALL_EVENTS, key="tests.b"), received("test.other", key="tests.c")
    # when a change publishes it
    with transaction.atomic():
        publish(Happened(contact_id=7, what="signed up", count=2), actor="tests")
    # then it is logged once, with one delivery and one job per interested subscriber
    record = EventRecord.objects.get()
    assert (record.name, record.contact_id, record.payload, record.actor) == (
        "test.happened", 7, {"contact_id": 7, "what": "signed up", "count": 2}, "tests",
    )
    assert set(EventDelivery.objects.values_list("subscriber", flat=True)) == {"tests.a", "tests.b"}
    assert run_pending_jobs() == 2
    assert [[e.event for e in batch] for batch in first] == [[Happened(contact_id=7, what="signed up", count=2)]]
    assert len(second) == 1 and other == []
    # and a repeated job finds the delivery done
    delivery = EventDelivery.objects.get(subscriber="tests.a")
    assert events.deliver(batch=delivery.batch, subscriber_key="tests.a") == "already"
    assert len(first) == 1


def test_the_events_of_one_transaction_arrive_together(received):
    calls = received("test.happened", "test.other", key="tests.a")
    with transaction.atomic():
        publish(Happened(contact_id=1, what="one"))
        publish(Other(contact_id=1))
        events.publish_many([Happened(contact_id=2, what="two"), Happened(contact_id=3, what="three")])
    run_pending_jobs()
    assert len(calls) == 1
    assert [e.name for e in calls[0]] == ["test.happened", "test.other", "test.happened", "test.happened"]
    assert EventDelivery.objects.count() == 1


def test_separate_transactions_are_separate_batches(received):
    calls = received("test.happened", key="tests.a")
    with transaction.atomic():
        publish(Happened(what="one"))
    run_pending_jobs()
    with transaction.atomic():
        publish(Happened(what="two"))
    run_pending_jobs()
    assert [[e.event.what for e in batch] for batch in calls] == [["one"], ["two"]]


def test_a_savepoint_rolled_back_takes_its_deliveries_along(received):
    calls = received("test.other", key="tests.c")
    with transaction.atomic():
        publish(Happened(what="kept"))
        with pytest.raises(ZeroDivisionError), transaction.atomic():
            publish(Other(contact_id=5))
            raise ZeroDivisionError
        publish(Other(contact_id=6))
    run_pending_jobs()
    assert [[e.event.contact_id for e in batch] for batch in calls] == [[6]]


def test_a_failing_subscriber_is_retried_with_backoff_and_blocks_no_other(received):
    # given one subscriber that fails twice and one that works
    flaky = received("test.happened", key="tests.flaky", fail_times=2)
    steady = received("test.happened", key="tests.steady")
    # the queue reads run_after against the real time: start a day ahead of it
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    with clock.frozen_at(start):
        with transaction.atomic():
            publish(Happened(what="x"))
        run_pending_jobs()
        # then the working one got it and the failing one waits for its retry
        assert len(steady) == 1 and flaky == []
        delivery = EventDelivery.objects.get(subscriber="tests.flaky")
        assert (delivery.status, delivery.attempts) == ("retrying", 1) and "boom" in delivery.last_error
        assert delivery.next_attempt_at == start + dt.timedelta(seconds=events.DELIVERY_BACKOFF[0])
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == delivery.next_attempt_at
    # when the retries come due, it succeeds on the third attempt, once
    for _attempt in range(2):
        DBTaskResult.objects.filter(status="READY").update(run_after=LONG_AGO)
        run_pending_jobs()
    assert len(flaky) == 1 and len(steady) == 1
    assert EventDelivery.objects.get(subscriber="tests.flaky").status == "done"


def test_a_subscriber_that_keeps_failing_is_marked_failed_and_can_be_run_again(received):
    calls = received("test.happened", key="tests.broken", fail_times=len(events.DELIVERY_BACKOFF) + 1)
    with transaction.atomic():
        publish(Happened(what="x"))
    for _attempt in range(len(events.DELIVERY_BACKOFF) + 1):
        DBTaskResult.objects.filter(status="READY").update(run_after=LONG_AGO)
        run_pending_jobs()
    delivery = EventDelivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == len(events.DELIVERY_BACKOFF) + 1
    assert not DBTaskResult.objects.filter(status="READY").exists()  # no endless retries
    # when an admin runs it again (the cause fixed), it is delivered
    events.delivery_retry(batch=delivery.batch, subscriber_key="tests.broken")
    run_pending_jobs()
    assert len(calls) == 1 and EventDelivery.objects.get().status == "done"


def test_a_fast_subscriber_runs_right_after_commit_and_its_job_finds_it_done(received, django_capture_on_commit_callbacks):
    calls = received("test.happened", key="tests.fast", fast=True)
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            publish(Happened(what="now"))
    assert len(calls) == 1 and EventDelivery.objects.get().status == "done"
    run_pending_jobs()
    assert len(calls) == 1


def test_the_payload_schema_is_typed():
    schema = events.EVENT_TYPES.get("test.happened").config_schema
    assert schema["properties"]["what"] == {"type": "string"}
    assert schema["properties"]["count"] == {"type": "integer"}
    assert schema["properties"]["contact_id"] == {"type": ["integer", "null"]}


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_with_nothing_to_do_takes_no_delivery(received):
    # given a subscriber that only wants batches holding test.other (as webhooks wants events only when some are configured)
    calls = received(ALL_EVENTS, key="tests.picky", when=lambda names: "test.other" in names)
    # when a batch holds only test.happened, it gets no delivery; when test.other joins a batch, it does
    with transaction.atomic():
        publish(Happened(what="ignored"))
    assert not EventDelivery.objects.exists()
    with transaction.atomic():
        publish(Happened(what="first"))
        publish(Other(contact_id=3))
    run_pending_jobs()
    assert [[e.name for e in batch] for batch in calls] == [["test.happened", "test.other"]]


def test_a_fast_subscriber_for_some_events_runs_after_commit_only_for_them(received, django_capture_on_commit_callbacks):
    calls = received("test.happened", "test.other", key="tests.half_fast", fast=("test.other",))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(Happened(what="slow"))
    assert calls == []  # waits for its job
    run_pending_jobs()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        publish(Other(contact_id=1))
    assert len(calls) == 2
