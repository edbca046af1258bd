"""Cutting a visitor's events into sessions. Pure: no ORM.

A session is a run of one visitor's events with no gap of SESSION_GAP or more. Events may
arrive late or out of order (retries, beacons, clock correction): an event joins the
session whose span, widened by the gap on both sides, contains it; an event before a
session's start becomes its new entry. Anything else starts a new session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

SESSION_GAP = dt.timedelta(minutes=30)


@dataclass
class SessionState:
    id: int | None  # None for a session created by this run
    started_at: dt.datetime
    last_event_at: dt.datetime
    entry_url: str = ""
    referrer: str = ""
    entry_at: dt.datetime | None = None  # time of the event that gave entry_url
    page_count: int = 0
    event_count: int = 0
    is_bot: bool = False
    contact_id: int | None = None
    changed: bool = False
    entry_changed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventFacts:
    key: Any  # the caller's handle for the event
    occurred_at: dt.datetime
    is_page_view: bool
    url: str = ""
    referrer: str = ""
    is_bot: bool = False
    contact_id: int | None = None


def _take_entry(session: SessionState, event: EventFacts) -> None:
    if not event.url:
        return
    if session.entry_at is None or event.occurred_at < session.entry_at or not session.entry_url:
        session.entry_url, session.referrer, session.entry_at = event.url, event.referrer, event.occurred_at
        session.entry_changed = True


def assign_sessions(existing: list[SessionState], events: list[EventFacts], *, gap: dt.timedelta = SESSION_GAP) -> tuple[dict[Any, SessionState], list[SessionState]]:
    """Which session each event belongs to (by event key), and the sessions created.

    `existing` are the visitor's stored sessions near these events; they are updated in
    place (marked `changed`)."""
    sessions = sorted(existing, key=lambda s: s.started_at)
    created: list[SessionState] = []
    assigned: dict[Any, SessionState] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        moment = event.occurred_at
        home = None
        for session in reversed(sessions):
            if session.started_at - gap < moment < session.last_event_at + gap:
                home = session
                break
        if home is None:
            home = SessionState(id=None, started_at=moment, last_event_at=moment)
            sessions.append(home)
            sessions.sort(key=lambda s: s.started_at)
            created.append(home)
        home.started_at = min(home.started_at, moment)
        home.last_event_at = max(home.last_event_at, moment)
        _take_entry(home, event)
        home.page_count += int(event.is_page_view)
        home.event_count += 1
        home.is_bot = home.is_bot or event.is_bot
        if event.contact_id is not None:
            home.contact_id = event.contact_id
        home.changed = True
        assigned[event.key] = home
    return assigned, created
