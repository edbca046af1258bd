"""Read endpoints of tracked behaviour: a contact's visits and touches, the newest events,
and the pages and CTA reports."""

from __future__ import annotations

import binascii
import datetime as dt
from dataclasses import asdict

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core import clock
from sarnakh.core.api import ErrorOut
from sarnakh.core.api_types import DbId
from sarnakh.core.cursors import decode_cursor, encode_cursor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.tracking import selectors
from sarnakh.tracking.models import Event, Session

# Operation ids keep the module path they were published under (core.api.SarnakhAPI).
PUBLISHED_AS = "sarnakh.tracking.api_reports"
router = Router(tags=["tracking"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class UtmOut(Schema):
    source: str
    medium: str
    campaign: str
    term: str
    content: str


class EventOut(Schema):
    id: int
    type: str
    name: str
    label: str
    url: str
    path: str
    title: str
    referrer: str
    properties: dict
    occurred_at: dt.datetime


class SessionOut(Schema):
    id: int
    visitor_id: str
    site_id: int | None
    started_at: dt.datetime
    last_event_at: dt.datetime
    duration_seconds: int
    entry_url: str
    entry_path: str
    referrer: str
    channel: str
    utm: UtmOut
    page_count: int
    event_count: int
    events: list[EventOut]
    more_events: int


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class SessionSummaryOut(Schema):
    id: int
    channel: str
    utm: UtmOut
    entry_url: str
    entry_path: str
    referrer: str
    started_at: dt.datetime
    last_event_at: dt.datetime
    page_count: int


class ChannelCountOut(Schema):
    channel: str
    sessions: int


class TouchesOut(Schema):
    count: int
    first: SessionSummaryOut | None
    last: SessionSummaryOut | None
    converting: SessionSummaryOut | None
    channels: list[ChannelCountOut]


class RecentEventOut(EventOut):
    source: str
    site_id: int | None
    site_name: str
    visitor_id: str
    contact_id: int | None
    received_at: dt.datetime
    processed: bool
    is_bot: bool
    bot_reason: str
    error: str


class PageRowOut(Schema):
    site_id: int | None
    site_name: str
    path: str
    title: str
    views: int
    visitors: int
    leads: int
    conversion: float | None


class PagesReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    site_id: int | None
    items: list[PageRowOut]


class CtaRowOut(Schema):
    label: str
    clicks: int
    visitors: int
    leads: int
    conversion: float | None


class CtaReportOut(Schema):
    since: dt.datetime
    until: dt.datetime
    site_id: int | None
    items: list[CtaRowOut]


def _utm(row) -> dict:
    return {"source": row.utm_source, "medium": row.utm_medium, "campaign": row.utm_campaign,
            "term": row.utm_term, "content": row.utm_content}


def _event(e: Event) -> dict:
    return {"id": e.pk, "type": e.type, "name": e.name, "label": e.label, "url": e.url, "path": e.path, "title": e.title,
            "referrer": e.referrer, "properties": e.properties or {}, "occurred_at": e.occurred_at}


def _session(s: Session) -> dict:
    return {
        "id": s.pk, "visitor_id": s.visitor_id, "site_id": s.site_id, "started_at": s.started_at,
        "last_event_at": s.last_event_at, "duration_seconds": s.duration_seconds, "entry_url": s.entry_url,
        "entry_path": s.entry_path, "referrer": s.referrer, "channel": s.channel, "utm": _utm(s),
        "page_count": s.page_count, "event_count": s.event_total, "events": [_event(e) for e in s.shown_events],
        "more_events": s.more_events,
    }


def _summary(s: selectors.SessionSummary | None) -> dict | None:
    if s is None:
        return None
    return {"id": s.id, "channel": s.channel, "utm": s.utm, "entry_url": s.entry_url, "entry_path": s.entry_path,
            "referrer": s.referrer, "started_at": s.started_at, "last_event_at": s.last_event_at, "page_count": s.page_count}


def _live_or_redirect(request, contact_id: int, url_name: str):
    """The live id, or a 308 to the same resource of the contact it was merged into."""
    live_id, redirected = contact_selectors.resolve_contact_id(contact_id)
    if live_id is None:
        raise NotFound(_("Contact not found."))
    if redirected:
        url = reverse(f"api:{url_name}", kwargs={"contact_id": live_id})
        if request.META.get("QUERY_STRING"):
            url += "?" + request.META["QUERY_STRING"]
        return live_id, HttpResponseRedirect(url, status=308)
    return live_id, None


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        message = _("Use %(low)d to %(high)d.") % {"low": low, "high": high}
        raise ValidationFailed(message, fields={name: [message]})


def _period(days: int) -> tuple[dt.datetime, dt.datetime]:
    _check_range("days", days, 1, 366)
    until = clock.now()
    return until - dt.timedelta(days=days), until


@router.get(
    "/contacts/{int:contact_id}/sessions", response={200: SessionPage, 308: None, **ERRORS}, url_name="contact_sessions",
    summary="A contact's visits with their events, most recent first",
)
def contact_sessions(request, contact_id: DbId, cursor: str | None = None, limit: int = 20, events_limit: int = 50):
    """Bot visits are left out. Each visit lists its first `events_limit` events in order;
    `more_events` says how many more it had. Follow `next_cursor` for older visits."""
    live_id, redirect = _live_or_redirect(request, contact_id, "contact_sessions")
    if redirect:
        return redirect
    _check_range("limit", limit, 1, 100)
    _check_range("events_limit", events_limit, 1, 500)
    before = None
    if cursor:
        try:
            at_text, row_id = decode_cursor(cursor)
            before = (dt.datetime.fromisoformat(at_text), int(row_id))
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Use the next_cursor of a previous page.")]}) from None
    rows, next_key = selectors.contact_sessions(live_id, limit=limit, before=before, events_per_session=events_limit)
    return {
        "items": [_session(s) for s in rows],
        "next_cursor": encode_cursor(next_key[0].isoformat(), next_key[1]) if next_key else None,
    }


@router.get(
    "/contacts/{int:contact_id}/touches", response={200: TouchesOut, 308: None, **ERRORS}, url_name="contact_touches",
    summary="A contact's first, last and converting visit",
)
def contact_touches(request, contact_id: DbId):
    """`converting` is the visit of the contact's first form submission (null when that
    submission came without a tracked visit). `channels` are in order of first use."""
    live_id, redirect = _live_or_redirect(request, contact_id, "contact_touches")
    if redirect:
        return redirect
    touches = selectors.contact_touches(live_id)
    return {
        "count": touches.count,
        "first": _summary(touches.first),
        "last": _summary(touches.last),
        "converting": _summary(touches.converting),
        "channels": [{"channel": c.channel, "sessions": c.sessions} for c in touches.channels],
    }


@router.get("/events/recent", response={200: list[RecentEventOut], **ERRORS}, summary="The newest stored events")
def events_recent(request, site_id: DbId | None = None, limit: int = 50, after_id: DbId | None = None):
    """By arrival, newest first, including bots and events not processed yet: use it to
    check that a newly installed snippet sends. `after_id` returns only newer events."""
    _check_range("limit", limit, 1, 200)
    return [
        {**_event(e), "source": e.source, "site_id": e.site_id, "site_name": e.site.name if e.site else "",
         "visitor_id": e.visitor_id, "contact_id": e.contact_id, "received_at": e.received_at,
         "processed": e.processed_at is not None, "is_bot": e.is_bot, "bot_reason": e.bot_reason, "error": e.error}
        for e in selectors.recent_events(site_id=site_id, limit=limit, after_id=after_id)
    ]


@router.get("/reports/pages", response={200: PagesReportOut, **ERRORS}, summary="Most viewed pages")
def report_pages(request, days: int = 30, site_id: DbId | None = None, limit: int = 50):
    """Page views of the last `days` days per site and path, with distinct visitors,
    `leads` (those visitors known as a contact) and `conversion` = leads / visitors in %."""
    since, until = _period(days)
    _check_range("limit", limit, 1, 500)
    rows = selectors.pages_report(since=since, until=until, site_id=site_id, limit=limit)
    return {"since": since, "until": until, "site_id": site_id, "items": [asdict(r) for r in rows]}


@router.get("/reports/ctas", response={200: CtaReportOut, **ERRORS}, summary="Most clicked calls to action")
def report_ctas(request, days: int = 30, site_id: DbId | None = None, limit: int = 50):
    """`cta_click` events of the last `days` days grouped by label, with distinct visitors,
    leads and conversion like the pages report."""
    since, until = _period(days)
    _check_range("limit", limit, 1, 500)
    rows = selectors.cta_report(since=since, until=until, site_id=site_id, limit=limit)
    return {"since": since, "until": until, "site_id": site_id, "items": [asdict(r) for r in rows]}
