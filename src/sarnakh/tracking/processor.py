"""Behind the events endpoint: turns stored events into sessions, identity links,
channels and timeline history.

Work is claimed in chunks of unprocessed events (`FOR UPDATE SKIP LOCKED` on PostgreSQL,
the write lock on SQLite), so any number of workers can run; a visitor's rows are locked
while their events are placed, so two workers never split one visit. The embedded server
runs `EventProcessorThread`, woken the moment a batch is stored; scale-out workers run
the same loop. Everything in a chunk commits together: a crash leaves the chunk
unprocessed for the next run, never half-done.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from django.db import close_old_connections, connection, transaction

from sarnakh.core import clock
from sarnakh.core.bulk_sql import values_update
from sarnakh.core.events import publish_many
from sarnakh.tracking import bots, channels, identity
from sarnakh.tracking.events import BehaviourRecorded
from sarnakh.tracking.models import Event, Session
from sarnakh.tracking.sessions import SESSION_GAP, EventFacts, SessionState, assign_sessions

logger = logging.getLogger("sarnakh.tracking")

CHUNK = 1000
# Events other apps record themselves (a form submission's `form_submitted`): they announce
# them in their own transaction, so processing them is no new behaviour.
INTERNAL_SOURCE = "internal"

_wake = threading.Event()


def wake() -> None:
    _wake.set()


def _rules() -> tuple[channels.Rule, ...]:
    try:
        from sarnakh.tracking.sites.selectors import channel_rules_active
    except ImportError:
        return channels.DEFAULT_RULES
    return channel_rules_active()


def _claim(limit: int) -> list[Event]:
    ids = list(
        Event.objects.filter(processed_at__isnull=True).order_by("id").select_for_update(skip_locked=True).values_list("id", flat=True)[:limit]
    )
    if not ids:
        return []
    return list(Event.objects.filter(id__in=ids).order_by("occurred_at", "id"))


def _bot_flags(events: list[Event]) -> None:
    by_visitor: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.source.startswith("s"):
            event.bot_reason = bots.bot_reason_for_user_agent(event.context.get("user_agent", ""))
            if event.visitor_id:
                by_visitor[event.visitor_id].append(event)
    for group in by_visitor.values():
        if bots.too_fast([e.occurred_at.timestamp() for e in group]):
            for event in group:
                event.bot_reason = event.bot_reason or "too_fast"
    for event in events:
        event.is_bot = bool(event.bot_reason)


def _identify(events: list[Event], visitors: dict) -> list[tuple[str, int, str, dt.datetime]]:
    """Gives every event its contact (in time order per visitor); returns the new links."""
    links: list[tuple[str, int, str, dt.datetime]] = []
    current = {vid: v.contact_id for vid, v in visitors.items()}
    for event in events:
        trusted = not event.source.startswith("s")
        names_person = trusted and (event.context.get("contact_id") or event.context.get("email"))
        if event.type == Event.Type.IDENTIFY or names_person:
            found = identity.resolve_person(
                properties=event.properties, context=event.context, trusted=trusted,
                actor_label=f"Events API ({event.source})",
            )
            if found.contact_id is None:
                event.error = found.note
            elif event.visitor_id and not event.is_bot:
                if current.get(event.visitor_id) != found.contact_id:
                    current[event.visitor_id] = found.contact_id
                    links.append((event.visitor_id, found.contact_id, found.via, event.occurred_at))
                    for earlier in events:  # this chunk's earlier anonymous events of the visitor
                        if earlier is event:
                            break
                        if earlier.visitor_id == event.visitor_id and earlier.contact_id is None:
                            earlier.contact_id = found.contact_id
            if found.contact_id is not None:
                event.contact_id = found.contact_id
                continue
        if event.visitor_id:
            event.contact_id = current.get(event.visitor_id)
    return links


def _sessionize(events: list[Event], rules) -> tuple[list[Session], list[Session]]:
    """Places events with a visitor into sessions; returns (created, changed) Session rows."""
    by_visitor: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.visitor_id:
            by_visitor[event.visitor_id].append(event)
    if not by_visitor:
        return [], []
    earliest = min(e.occurred_at for e in events if e.visitor_id) - SESSION_GAP
    stored: dict[str, list[Session]] = defaultdict(list)
    for session in Session.objects.filter(visitor_id__in=list(by_visitor), last_event_at__gt=earliest):
        stored[session.visitor_id].append(session)
    created_rows: list[Session] = []
    changed_rows: list[Session] = []
    for visitor_id, group in by_visitor.items():
        states = []
        for row in stored[visitor_id]:
            state = SessionState(
                id=row.pk, started_at=row.started_at, last_event_at=row.last_event_at, entry_url=row.entry_url,
                referrer=row.referrer, entry_at=row.started_at if row.entry_url else None, page_count=row.page_count,
                event_count=row.event_count, is_bot=row.is_bot, contact_id=row.contact_id,
            )
            state.extra["row"] = row
            states.append(state)
        facts = [
            EventFacts(key=e.pk, occurred_at=e.occurred_at, is_page_view=e.type == Event.Type.PAGE_VIEW, url=e.url,
                       referrer=e.referrer, is_bot=e.is_bot, contact_id=e.contact_id)
            for e in group
        ]
        assigned, _created = assign_sessions(states, facts)
        site_id = next((e.site_id for e in group if e.site_id), None)
        for state in {id(s): s for s in assigned.values()}.values():
            row = state.extra.get("row") or Session(visitor_id=visitor_id, site_id=site_id)
            row.started_at, row.last_event_at = state.started_at, state.last_event_at
            row.page_count, row.event_count, row.is_bot = state.page_count, state.event_count, state.is_bot
            row.contact_id = state.contact_id
            row._entry_changed = state.entry_changed
            if state.entry_changed:
                _set_entry(row, state, rules)
            state.extra["row"] = row
            (changed_rows if row.pk else created_rows).append(row)
        for event in group:
            event._session_row = assigned[event.pk].extra["row"]
    return created_rows, changed_rows


def _set_entry(row: Session, state: SessionState, rules) -> None:
    row.entry_url, row.referrer = state.entry_url[:2000], state.referrer[:2000]
    try:
        row.entry_path = urlsplit(state.entry_url).path[:1000] or "/"
    except ValueError:
        row.entry_path = ""
    utm = channels.utm_from_url(state.entry_url)
    for key in channels.UTM_KEYS:
        setattr(row, key, utm.get(key, ""))
    row.channel = channels.classify(channels.TouchInput(url=state.entry_url, referrer=state.referrer, utm=utm), rules)


def _update_events(events: list[Event], processed_at: dt.datetime) -> None:
    """One UPDATE … FROM (VALUES …) for the whole chunk (both databases support it)."""
    ops = connection.ops
    table = ops.quote_name(Event._meta.db_table)
    q = ops.quote_name
    params: list[Any] = []
    for event in events:
        session = getattr(event, "_session_row", None)
        params.extend((event.pk, session.pk if session else None, event.contact_id, event.is_bot, event.bot_reason, event.error[:500]))
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(events))
    sql = (
        f"UPDATE {table} SET {q('session_id')} = CAST(v.column2 AS BIGINT), {q('contact_id')} = CAST(v.column3 AS BIGINT), "
        f"{q('is_bot')} = CAST(v.column4 AS BOOLEAN), {q('bot_reason')} = v.column5, {q('error')} = v.column6, "
        f"{q('processed_at')} = %s FROM (VALUES {values}) AS v WHERE {table}.{q('id')} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ops.adapt_datetimefield_value(processed_at), *params])


def process_pending_events(*, limit: int = CHUNK) -> int:
    """Processes one chunk of waiting events; returns how many (0 when none wait)."""
    with transaction.atomic():
        events = _claim(limit)
        if not events:
            return 0
        spans: dict[str, list[dt.datetime]] = {}
        for event in events:
            if event.visitor_id:
                span = spans.setdefault(event.visitor_id, [event.occurred_at, event.occurred_at])
                span[0], span[1] = min(span[0], event.occurred_at), max(span[1], event.occurred_at)
        visitors = identity.visitor_seen(visitor_ids={v: (s[0], s[1]) for v, s in spans.items()})
        _bot_flags(events)
        links = _identify(events, visitors)
        created, changed = _sessionize(events, _rules())
        if created:
            Session.objects.bulk_create(created)
        if changed:
            values_update(Session, changed, [
                "started_at", "last_event_at", "page_count", "event_count", "is_bot", "contact", "entry_url",
                "entry_path", "referrer", "channel", *channels.UTM_KEYS,
            ])
        _update_events(events, clock.now())
        for visitor_id, contact_id, via, at in links:
            visitor = visitors[visitor_id]
            visitor.contact_id, visitor.identified_at, visitor.identified_by = contact_id, at, via
            visitor.save(update_fields=["contact", "identified_at", "identified_by"])
            identity.link_effects(visitor_id=visitor_id, contact_id=contact_id, via=via, at=at)
        # A known visitor's late-arriving first visit can still be the contact's first touch.
        entries = [s for s in (*created, *changed) if s._entry_changed and s.contact_id and not s.is_bot]
        for contact_id in {s.contact_id for s in entries}:
            identity.first_touch_refresh(contact_id=contact_id)
        publish_many(_behaviour_events(events))
    return len(events)


def _behaviour_events(events: list[Event]) -> list[BehaviourRecorded]:
    """One event per contact with new (human, not internal) behaviour in the chunk."""
    by_contact: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.contact_id and not event.is_bot and event.source != INTERNAL_SOURCE:
            by_contact[event.contact_id].append(event)
    return [
        BehaviourRecorded(
            contact_id=contact_id, events=len(rows), names=sorted({e.name or e.type for e in rows}),
            last_at=max(e.occurred_at for e in rows).isoformat(),
        )
        for contact_id, rows in sorted(by_contact.items())
    ]


# Under a steady inflow "until nothing waits" may never come; a drain stops after this many.
MAX_DRAIN_EVENTS = 1_000_000


def process_all_pending(*, limit: int | None = None) -> int:
    """Runs chunks until nothing waits (or about `limit` events ran, MAX_DRAIN_EVENTS by
    default); returns the count."""
    limit = MAX_DRAIN_EVENTS if limit is None else limit
    done = 0
    while done < limit:
        count = process_pending_events()
        if not count:
            break
        done += count
    return done


class EventProcessorThread(threading.Thread):
    """Processes events as they arrive: woken by the intake in this process, and every
    `interval` seconds for events stored by other processes."""

    def __init__(self, *, interval: float = 0.25):
        super().__init__(name="sarnakh-events", daemon=True)
        self.interval = interval
        self.running = True

    def run(self) -> None:
        while self.running:
            try:
                if process_pending_events():
                    continue
            except Exception:  # keep going: the chunk stays unprocessed and is retried
                logger.exception("event processing failed; retrying")
                close_old_connections()
                _wake.wait(2.0)
            _wake.wait(self.interval)
            _wake.clear()
        close_old_connections()

    def stop(self) -> None:
        self.running = False
        _wake.set()
