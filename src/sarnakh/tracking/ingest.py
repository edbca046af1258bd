"""The events endpoint's work: resolve who sends the batch, check each event, store the
good ones in one statement, answer. Processing (identity, sessions, channels, timeline)
happens behind the answer in processor.py.

The path is kept short because it is the hottest one: a cached site lookup, one
multi-row INSERT … ON CONFLICT DO NOTHING (the idempotency key is source + event id),
and a wake-up for the in-process processor.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.errors import DomainError, PayloadTooLarge, PermissionDenied, Unauthorized
from sarnakh.core.json_body import InvalidBody, loads_strict
from sarnakh.tracking import event_input, origins
from sarnakh.tracking.event_input import BatchContext, EventError
from sarnakh.tracking.models import Event, Site

MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 500
SITE_CACHE_SECONDS = 5.0


# ---------------------------------------------------------------- sites (cached per process)

_sites: dict[str, tuple[float, Site | None]] = {}
_sites_lock = threading.Lock()


def forget_sites() -> None:
    """Drop the cached sites of this process (other processes see a change within seconds)."""
    with _sites_lock:
        _sites.clear()


def site_for_key(key: Any) -> Site | None:
    # Keys are printable ASCII; anything else (a NUL, which PostgreSQL refuses in a query
    # parameter) names no site and never reaches the database.
    if not isinstance(key, str) or not key or len(key) > 40 or not (key.isascii() and key.isprintable()):
        return None
    now = time.monotonic()
    hit = _sites.get(key)
    if hit is not None and now - hit[0] < SITE_CACHE_SECONDS:
        return hit[1]
    site = Site.objects.filter(key=key, is_active=True).first()
    with _sites_lock:
        _sites[key] = (now, site)
    return site


# ---------------------------------------------------------------- the batch

@dataclass
class Sender:
    site: Site | None = None
    api_key: Any = None

    @property
    def source(self) -> str:
        return f"s{self.site.pk}" if self.site is not None else f"k{self.api_key.pk}"


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    errors: list[EventError] = field(default_factory=list)

    @property
    def status(self) -> int:
        if not self.errors:
            return 202
        return 207 if self.accepted or self.duplicates else 422

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted, "duplicates": self.duplicates, "rejected": len(self.errors),
            "errors": [e.as_dict() for e in self.errors],
        }


def parse_batch(body: bytes) -> dict[str, Any]:
    if len(body) > MAX_BATCH_BYTES:
        raise PayloadTooLarge(_("A batch may be at most %(kb)d KB.") % {"kb": MAX_BATCH_BYTES // 1024})
    try:
        data = loads_strict(body)
    except InvalidBody as exc:
        raise DomainError(str(exc), code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError(_("Send an object with the events list."))
    return data


def sender_for_site(data: dict[str, Any], *, origin: str) -> Sender:
    """The site whose public key sent the batch, from a browser on one of its origins.

    Browsers always send Origin on these POSTs (fetch and sendBeacon alike), so a site key
    without one comes from a script outside a browser copying the public key: refused."""
    site = site_for_key(data.get("site_key"))
    if site is None:
        raise Unauthorized(_("Unknown or inactive site key."))
    if not origin:
        raise PermissionDenied(
            _("Events sent with a site key need the Origin header of one of the site's pages; server-side senders use a write API key instead.")
        )
    if not origins.origin_allowed(origin, site.allowed_origins):
        raise PermissionDenied(_("This site key does not accept events from %(origin)s.") % {"origin": origin[:200]})
    return Sender(site=site)


def batch_receive(*, data: dict[str, Any], sender: Sender, request_meta: dict[str, str]) -> BatchResult:
    """Checks and stores one batch (see the module doc); raises on a batch-level problem."""
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise DomainError(_("Send the events as a non-empty list."))
    if len(events) > MAX_BATCH_EVENTS:
        raise PayloadTooLarge(_("A batch may hold at most %(count)d events.") % {"count": MAX_BATCH_EVENTS})
    received_at = clock.now()
    batch = BatchContext(
        source=sender.source, trusted=sender.site is None, site_id=sender.site.pk if sender.site else None,
        received_at=received_at, clock_offset=event_input.clock_offset(data.get("sent_at"), received_at),
        request={k: v for k, v in request_meta.items() if v},
    )
    rows, errors = event_input.clean_batch(events, batch=batch)
    inserted = events_insert(rows) if rows else 0
    if inserted:
        from sarnakh.tracking import processor

        processor.wake()
    return BatchResult(accepted=inserted, duplicates=len(events) - len(errors) - inserted, errors=errors)


_COLUMNS = (
    "source", "event_id", "site_id", "type", "name", "visitor_id", "occurred_at", "received_at", "url", "path",
    "title", "referrer", "label", "properties", "context", "is_bot", "bot_reason", "error",
)


def events_insert(rows: list[dict[str, Any]]) -> int:
    """Stores new events in one statement; an id already stored for the source is skipped.

    Returns how many rows were new. On PostgreSQL the rows travel as one jsonb parameter:
    with a placeholder per value (360 for a batch of 20) psycopg parses the statement
    anew on every call, which was half the intake's time. SQLite takes the write lock
    first-come (core.sqlite_backend) inside the atomic block instead of spinning in its
    busy handler against the event processor."""
    if connection.vendor == "postgresql":
        return _insert_postgres(rows)
    with transaction.atomic():
        return _insert_values(rows)


def _insert_values(rows: list[dict[str, Any]]) -> int:
    ops = connection.ops
    table = ops.quote_name(Event._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    placeholders = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    params: list[Any] = []
    for row in rows:
        params.extend((
            row["source"], row["event_id"], row["site_id"], row["type"], row["name"], row["visitor_id"],
            ops.adapt_datetimefield_value(row["occurred_at"]), ops.adapt_datetimefield_value(row["received_at"]),
            row["url"], row["path"], row["title"], row["referrer"], row["label"],
            json.dumps(row["properties"], ensure_ascii=False), json.dumps(row["context"], ensure_ascii=False),
            bool(row.get("is_bot", False)), row.get("bot_reason", ""), "",
        ))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholders] * len(rows))} "
        f"ON CONFLICT ({ops.quote_name('source')}, {ops.quote_name('event_id')}) DO NOTHING "
        f"RETURNING {ops.quote_name('id')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return len(cursor.fetchall())


@functools.cache
def _postgres_insert_sql() -> str:
    q = connection.ops.quote_name
    meta = Event._meta
    columns = ", ".join(q(c) for c in _COLUMNS)
    by_column = {f.column: f for f in meta.concrete_fields}
    record = ", ".join(f"{q(c)} {by_column[c].db_type(connection)}" for c in _COLUMNS)
    return (
        f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT {columns} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
        f"ON CONFLICT ({q('source')}, {q('event_id')}) DO NOTHING RETURNING {q('id')}"
    )


def _insert_postgres(rows: list[dict[str, Any]]) -> int:
    document = [
        {
            "source": row["source"], "event_id": row["event_id"], "site_id": row["site_id"], "type": row["type"],
            "name": row["name"], "visitor_id": row["visitor_id"], "occurred_at": row["occurred_at"].isoformat(),
            "received_at": row["received_at"].isoformat(), "url": row["url"], "path": row["path"], "title": row["title"],
            "referrer": row["referrer"], "label": row["label"], "properties": row["properties"], "context": row["context"],
            "is_bot": bool(row.get("is_bot", False)), "bot_reason": row.get("bot_reason", ""), "error": "",
        }
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.execute(_postgres_insert_sql(), [json.dumps(document, ensure_ascii=False)])
        return len(cursor.fetchall())
