"""Reading and pruning the domain event log (core.events writes it): integrators follow it
with a cursor, analytics reads it; events older than SARNAKH_EVENT_LOG_DAYS are pruned a
chunk at a time by the workers' housekeeping (at most hourly, bounded per run)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from sarnakh.core import clock
from sarnakh.core.models import EventDelivery, EventRecord

MAX_PAGE = 500
PRUNE_CHUNK = 5000
PRUNE_MAX_CHUNKS = 40  # 200,000 rows a run; a larger backlog is finished by the next runs
PRUNE_EVERY_SECONDS = 3600
DELIVERIES_KEPT_DAYS = 30  # done deliveries are only bookkeeping once delivered

_last_prune = 0.0
_prune_lock = threading.Lock()


@dataclass(frozen=True)
class LogPage:
    items: list[EventRecord]
    next_after: int | None


def event_log_page(*, after: int = 0, names: list[str] | None = None, contact_id: int | None = None, limit: int = 100) -> LogPage:
    """Events with an id above `after`, oldest first: a client keeps the last id it saw
    and asks for what came after it (ids only grow)."""
    rows = EventRecord.objects.filter(pk__gt=after).order_by("pk")
    if names:
        rows = rows.filter(name__in=names)
    if contact_id is not None:
        rows = rows.filter(contact_id=contact_id)
    items = list(rows[: limit + 1])
    next_after = items[limit - 1].pk if len(items) > limit else None
    return LogPage(items=items[:limit], next_after=next_after)


@dataclass(frozen=True)
class FailedDelivery:
    delivery: EventDelivery
    events: list[str]  # the batch's event names, in order


def deliveries_failed(*, limit: int = 50) -> list[FailedDelivery]:
    """Deliveries that used all their retries (newest first), with what their batch held."""
    rows = list(EventDelivery.objects.filter(status=EventDelivery.Status.FAILED).order_by("-created_at", "-id")[:limit])
    names: dict[str, list[str]] = {}
    for batch, name in EventRecord.objects.filter(batch__in=[r.batch for r in rows]).order_by("id").values_list("batch", "name"):
        names.setdefault(batch, []).append(name)
    return [FailedDelivery(delivery=row, events=names.get(row.batch, [])) for row in rows]


def published(name: str, *, contact_id: int | None, **payload) -> bool:
    """Whether an event with this name, contact and these payload values is in the log:
    for announcements that must be made once even when their job runs again."""
    rows = EventRecord.objects.filter(name=name, contact_id=contact_id)
    return rows.filter(**{f"payload__{key}": value for key, value in payload.items()}).exists()


def event_log_prune(*, now: dt.datetime | None = None, days: int | None = None) -> int:
    """Deletes events older than `days` (the setting by default; 0 keeps everything) and
    done deliveries older than DELIVERIES_KEPT_DAYS; returns how many events went."""
    now = now or clock.now()
    days = settings.SARNAKH_EVENT_LOG_DAYS if days is None else days
    deleted = 0
    if days > 0:
        cutoff = now - dt.timedelta(days=days)
        deleted = _delete_chunks(EventRecord.objects.filter(occurred_at__lt=cutoff), EventRecord)
    done_cutoff = now - dt.timedelta(days=DELIVERIES_KEPT_DAYS)
    _delete_chunks(EventDelivery.objects.filter(status=EventDelivery.Status.DONE, delivered_at__lt=done_cutoff), EventDelivery)
    return deleted


def _delete_chunks(queryset, model) -> int:
    deleted = 0
    for _chunk in range(PRUNE_MAX_CHUNKS):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:PRUNE_CHUNK])
        if not ids:
            break
        with transaction.atomic():
            count, _by_model = model.objects.filter(pk__in=ids).delete()
        deleted += count
    return deleted


def prune_if_due() -> int:
    """Called by every worker's housekeeping; prunes at most once an hour per process."""
    global _last_prune
    with _prune_lock:
        if time.monotonic() - _last_prune < PRUNE_EVERY_SECONDS and _last_prune:
            return 0
        _last_prune = time.monotonic()
    return event_log_prune()
