"""Domain events: what changed, said once, by the service that changed it.

A service publishes a typed event inside its own transaction (`publish(...)`, in plain
sight, as Zulip's actions do). The event is written once to the event log
(`EventRecord`), and every subscriber that wants it gets one delivery (`EventDelivery`)
and one outbox job, in that same transaction: the delivery exists exactly when the
change committed, and a rolled-back change delivers nothing.

Events published in one transaction form a batch, and a subscriber receives the batch's
events together (in the order they were published), once. So a subscriber sees an import
batch, an event-processing chunk or a form submission as one unit: scoring re-scores
each contact it touched once, however many events the change published.

Delivery is at-least-once from the queue and exactly-once in effect: the job locks the
delivery row, runs the handler in a savepoint and marks the row done in the same
transaction, so a retried or duplicated job finds it done. A handler that raises is
retried with backoff (DELIVERY_BACKOFF, about a day in all) and never blocks other
subscribers. A subscriber that must be fast (scoring of new behaviour) is also run
in-process right after commit; the job stays the guarantee, and finds the batch done.

Each app declares its events in `<app>/events.py` (`@domain_event`) and its reactions
in `<app>/subscribers.py` (`@subscribe`); core discovers both when Django starts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, get_type_hints

from django.db import connection, transaction
from django_tasks import task

from sarnakh.core import clock
from sarnakh.core.jobs import enqueue
from sarnakh.core.models import EventDelivery, EventRecord
from sarnakh.core.registry import Registry, Spec

logger = logging.getLogger("sarnakh.events")

ALL_EVENTS = "*"
# Seconds to wait before each retry of a failed delivery; after the last one the delivery
# is marked failed (shown in Settings → Background work and retried from there).
DELIVERY_BACKOFF = (5, 30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600)


# ---------------------------------------------------------------- event types


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    """Base of every event: frozen, typed fields that are its JSON payload. `contact_id`
    names the contact it is about (for the log's filter), when there is one."""

    name: ClassVar[str] = ""
    contact_id: int | None = None

    def payload(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}


@dataclass(frozen=True)
class EventType(Spec):
    """An event name, its label, the JSON schema of its payload and its class (handler)."""


EVENT_TYPES: Registry[EventType] = Registry("domain event")
E = TypeVar("E", bound=type[DomainEvent])

_JSON_TYPES = {int: "integer", str: "string", bool: "boolean", float: "number", dict: "object", list: "array"}


def _payload_schema(cls: type[DomainEvent]) -> dict[str, Any]:
    hints = get_type_hints(cls)
    properties = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        base = getattr(hint, "__origin__", hint)
        args = [a for a in getattr(hint, "__args__", ()) if a is not type(None)]
        kind = _JSON_TYPES.get(base) or (_JSON_TYPES.get(getattr(args[0], "__origin__", args[0])) if args else None) or "string"
        properties[f.name] = {"type": [kind, "null"] if type(None) in getattr(hint, "__args__", ()) else kind}
    return {"type": "object", "properties": properties}


def domain_event(name: str, label: Any) -> Callable[[E], E]:
    """Registers an event class under its stable name (`contact.stage_changed`)."""

    def register(cls: E) -> E:
        if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:
            raise TypeError(f"{cls.__name__}: a domain event is a frozen dataclass")
        cls.name = name
        EVENT_TYPES.register(EventType(key=name, label=label, config_schema=_payload_schema(cls), handler=cls))
        return cls

    return register


def event_from(name: str, payload: dict[str, Any]) -> DomainEvent:
    """The typed event a log row holds; fields added later take their defaults."""
    cls = EVENT_TYPES.get(name).handler
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in payload.items() if k in known})


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- subscribers


@dataclass(frozen=True)
class Envelope:
    """One delivered event with its place in the log."""

    id: int
    name: str
    occurred_at: dt.datetime
    actor: str
    event: DomainEvent


@dataclass(frozen=True)
class Subscriber:
    key: str
    names: frozenset[str]
    handler: Callable[[list[Envelope]], None]
    fast: bool | frozenset[str] = False
    when: Callable[[set[str]], bool] | None = None

    def wants(self, name: str) -> bool:
        return ALL_EVENTS in self.names or name in self.names

    def is_fast_for(self, names: set[str]) -> bool:
        return self.fast is True or bool(self.fast and self.fast & names)


SUBSCRIBERS: dict[str, Subscriber] = {}


def subscribe(
    *names: str, key: str | None = None, fast: bool | Iterable[str] = False, when: Callable[[set[str]], bool] | None = None,
):
    """Declares a reaction: `@subscribe("contact.updated", "contact.created")` on a function
    taking the list of envelopes of one batch. `"*"` wants every event. Unknown event names
    raise here, when the app starts, not when the first event is lost.

    `fast=True` also runs the handler in-process right after commit; `fast=("a.b", …)` does
    so only for batches holding one of those events (new behaviour is scored at once in the
    event processor's thread, while an API request's change goes to a worker and the
    request stays quick).

    `when(names)`, asked at each publish of a batch (with the batch's event names so far)
    until it says yes, lets a subscriber that often has nothing to do (webhooks, with none
    configured) take no delivery at all; it must be cheap (one indexed query)."""

    def register(handler: Callable[[list[Envelope]], None]):
        for name in names:
            if name != ALL_EVENTS:
                EVENT_TYPES.get(name)
        subscriber_key = key or f"{handler.__module__.removeprefix('sarnakh.')}.{handler.__name__}"
        if subscriber_key in SUBSCRIBERS and SUBSCRIBERS[subscriber_key].handler is not handler:
            raise ValueError(f"subscriber {subscriber_key!r} is already registered")
        speed = fast if isinstance(fast, bool) else frozenset(fast)
        SUBSCRIBERS[subscriber_key] = Subscriber(subscriber_key, frozenset(names), handler, speed, when)
        return handler

    return register


def subscribers_of(name: str) -> list[Subscriber]:
    return [s for s in SUBSCRIBERS.values() if s.wants(name)]


# ---------------------------------------------------------------- publishing


@dataclass
class _Batch:
    """The events of the current transaction: its id, the event names published so far and
    the subscribers to run right after commit. Ends with the transaction (_current_batch)."""

    id: str
    names: set[str] = field(default_factory=set)
    fast: set[str] = field(default_factory=set)
    # Set when this batch was delivered on this connection before its transaction ended:
    # only tests do that (everything in one transaction); later events start a new batch.
    closed: bool = False

    def end(self) -> None:
        """Runs on commit: fast subscribers get the batch in this process right away."""
        for subscriber_key in sorted(self.fast):
            try:
                deliver(batch=self.id, subscriber_key=subscriber_key)
            except Exception:  # the queued job delivers it; this was only the fast path
                logger.exception("fast delivery of batch %s to %s failed; its job will retry", self.id, subscriber_key)


def _current_batch() -> _Batch:
    """This transaction's batch. A batch lives while its `end` callback is waiting in the
    connection's on-commit list: Django drops that list when the transaction (or the
    savepoint the callback was registered in) rolls back, and runs it on commit."""
    batch = getattr(connection, "_sarnakh_event_batch", None)
    if batch is not None and not batch.closed and any(entry[1] == batch.end for entry in connection.run_on_commit):
        return batch
    batch = _Batch(id=uuid.uuid4().hex)
    transaction.on_commit(batch.end)
    connection._sarnakh_event_batch = batch
    return batch


def publish(event: DomainEvent, *, actor: Any = None) -> None:
    """Writes the event to the log and queues its deliveries, inside the caller's
    transaction (which it requires)."""
    publish_many([event], actor=actor)


def publish_many(events: Iterable[DomainEvent], *, actor: Any = None) -> int:
    """`publish` for several events at once (one insert); returns how many."""
    events = list(events)
    if not events:
        return 0
    if not connection.in_atomic_block:
        raise RuntimeError(f"publish({events[0].name}) must run inside the transaction that made the change")
    for event in events:
        EVENT_TYPES.get(event.name)
    batch = _current_batch()
    now, label = clock.now(), _actor_label(actor)
    EventRecord.objects.bulk_create(
        [
            EventRecord(name=e.name, batch=batch.id, contact_id=e.contact_id, payload=e.payload(), actor=label, occurred_at=now)
            for e in events
        ]
    )
    names = {e.name for e in events}
    wanted = {s.key: s for name in names for s in subscribers_of(name)}
    batch.names |= names
    names = set(batch.names)
    # Asked of the database, not remembered: a rolled-back savepoint takes its deliveries along.
    have = set(EventDelivery.objects.filter(batch=batch.id, subscriber__in=list(wanted)).values_list("subscriber", flat=True))
    new = [wanted[key] for key in sorted(wanted) if key not in have and (wanted[key].when is None or wanted[key].when(names))]
    if new:
        EventDelivery.objects.bulk_create([EventDelivery(batch=batch.id, subscriber=s.key, created_at=now) for s in new])
        for subscriber in new:
            enqueue(deliver_event_batch, batch.id, subscriber.key)
    # Asked on every publish: a later event of the batch may make a subscriber fast.
    batch.fast |= {key for key, s in wanted.items() if s.is_fast_for(batch.names) and (key in have or s in new)}
    return len(events)


def _actor_label(actor: Any) -> str:
    if actor is None:
        return ""
    label = getattr(actor, "label", None) or getattr(actor, "source", None) or str(actor)
    return str(label)[:200]


# ---------------------------------------------------------------- delivering


def envelopes_of(batch: str, subscriber: Subscriber) -> list[Envelope]:
    rows = EventRecord.objects.filter(batch=batch).order_by("id")
    return [
        Envelope(id=r.pk, name=r.name, occurred_at=r.occurred_at, actor=r.actor, event=event_from(r.name, r.payload))
        for r in rows
        if subscriber.wants(r.name)
    ]


def deliver(*, batch: str, subscriber_key: str) -> str:
    """Applies one batch to one subscriber, once: "done", "already", "retrying", "failed"
    or "gone" (a subscriber no longer registered: kept for the record, not retried)."""
    subscriber = SUBSCRIBERS.get(subscriber_key)
    current = getattr(connection, "_sarnakh_event_batch", None)
    if current is not None and current.id == batch:
        current.closed = True
    with transaction.atomic():
        delivery = EventDelivery.objects.select_for_update().filter(batch=batch, subscriber=subscriber_key).first()
        if delivery is None or delivery.status == EventDelivery.Status.DONE:
            return "already"
        if subscriber is None:
            delivery.status, delivery.last_error = EventDelivery.Status.FAILED, "subscriber is not registered"
            delivery.save(update_fields=["status", "last_error"])
            return "gone"
        now = clock.now()
        try:
            with transaction.atomic():
                subscriber.handler(envelopes_of(batch, subscriber))
        except Exception as exc:
            logger.exception("subscriber %s failed on batch %s", subscriber_key, batch)
            delivery.attempts += 1
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts > len(DELIVERY_BACKOFF):
                delivery.status, delivery.next_attempt_at = EventDelivery.Status.FAILED, None
            else:
                delivery.status = EventDelivery.Status.RETRYING
                delivery.next_attempt_at = now + dt.timedelta(seconds=DELIVERY_BACKOFF[delivery.attempts - 1])
                enqueue(deliver_event_batch.using(run_after=delivery.next_attempt_at), batch, subscriber_key)
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return delivery.status
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = EventDelivery.Status.DONE, now, None
        delivery.attempts += 1
        delivery.save(update_fields=["status", "delivered_at", "next_attempt_at", "attempts"])
        return "done"


def delivery_retry(*, batch: str, subscriber_key: str) -> None:
    """Puts a failed delivery back in the queue (an admin's "run again")."""
    with transaction.atomic():
        updated = EventDelivery.objects.filter(
            batch=batch, subscriber=subscriber_key, status=EventDelivery.Status.FAILED
        ).update(status=EventDelivery.Status.RETRYING, next_attempt_at=None)
        if updated:
            enqueue(deliver_event_batch, batch, subscriber_key)



@task()
def deliver_event_batch(batch: str, subscriber_key: str) -> str:
    """The outbox job of one delivery (see `deliver`)."""
    return deliver(batch=batch, subscriber_key=subscriber_key)
