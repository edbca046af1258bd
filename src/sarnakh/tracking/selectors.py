"""Reads of tracked behaviour: a contact's visits and touches, the live event feed, and the
pages and CTA reports.

Bots are left out of everything a person reads as behaviour (timelines, touches, reports);
only the live feed shows them, marked, because it exists to check that a snippet works.
Reports aggregate in SQL (GROUP BY with COUNT DISTINCT) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.lead_source import Channel
from sarnakh.core.ui.formatting import readable_url
from sarnakh.tracking.bots import bot_reason_for_user_agent  # noqa: F401 - for other apps' classifiers (mail's opens and clicks)
from sarnakh.tracking.event_names import event_name_label
from sarnakh.tracking.models import Event, Session, Site, Visitor
from sarnakh.tracking.processor import INTERNAL_SOURCE

EventType = Event.Type  # page_view, track, identify: for callers of the querysets below


def human_events() -> QuerySet[Event]:
    """Events people caused (bots left out), for other apps' set-based reads of behaviour
    (scoring's facts, backtests and predictive features)."""
    return Event.objects.filter(is_bot=False)


# Recorded on the contact but not done by them (mail records a bounce for scoring).
NOT_THEIR_DOING = ("email_bounced",)


def activity_events() -> QuerySet[Event]:
    """Human events the contact did themselves: what keeps a contact active (list hygiene)."""
    return human_events().exclude(type=Event.Type.TRACK, name__in=NOT_THEIR_DOING)


def human_sessions() -> QuerySet[Session]:
    return Session.objects.filter(is_bot=False)


EVENTS_PER_SESSION = 50
PREVIEW_PROPERTIES = 4
# Properties that repeat what the event row already says (label, form) or mean nothing to a reader.
_PREVIEW_SKIP = {"label", "form", "submission_id", "email", "screen", "language"}

Keyset = tuple[dt.datetime, int]


# ------------------------------------------------------------------ a contact's visits


def property_preview(properties: Any, limit: int = PREVIEW_PROPERTIES) -> list[tuple[str, str]]:
    """A few short scalar properties of an event, for one line on a timeline."""
    if not isinstance(properties, dict):
        return []
    preview = []
    for key, value in properties.items():
        if key in _PREVIEW_SKIP or isinstance(value, dict | list) or value in (None, ""):
            continue
        preview.append((str(key), str(value)[:80]))
        if len(preview) == limit:
            break
    return preview


def _with_preview(events: list[Event]) -> list[Event]:
    for event in events:
        event.preview = property_preview(event.properties)
    return events


def _before(qs: QuerySet, at_field: str, before: Keyset | None) -> QuerySet:
    if before is None:
        return qs
    at, row_id = before
    return qs.filter(Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, "id__lt": row_id}))


# Events another app recorded together with a timeline row of its own: a form submission's
# `form_submitted` sits next to capture's "Form submitted" row, which has the answers, the
# page and the consent. The contact's timeline shows that row only; the event stays for
# scoring, reports and triggers. Filtered when shown, so rows stored earlier follow too.
# Mail does the same for an email's open, click and bounce.
ON_TIMELINE_ELSEWHERE = Q(source=INTERNAL_SOURCE, type=Event.Type.TRACK,
                          name__in=("form_submitted", "email_open", "email_click", "email_bounced"))


def contact_sessions(
    contact_id: int, *, limit: int = 20, before: Keyset | None = None, events_per_session: int = EVENTS_PER_SESSION
) -> tuple[list[Session], Keyset | None]:
    """The contact's human visits, most recently active first (keyset on last_event_at, id).

    Each session carries `shown_events` (its first `events_per_session` human events in
    order), `event_total` and `more_events` (how many were left out)."""
    events = Event.objects.filter(is_bot=False).exclude(ON_TIMELINE_ELSEWHERE).order_by("occurred_at", "id")[:events_per_session]
    elsewhere = Q(events__source=INTERNAL_SOURCE, events__type=Event.Type.TRACK, events__name="form_submitted")
    qs = (
        Session.objects.filter(contact_id=contact_id, is_bot=False)
        .select_related("site")
        .annotate(event_total=Count("events", filter=Q(events__is_bot=False) & ~elsewhere))
        .order_by("-last_event_at", "-id")
    )
    qs = _before(qs, "last_event_at", before).prefetch_related(Prefetch("events", queryset=events, to_attr="shown_events"))
    rows = list(qs[: limit + 1])
    next_key = (rows[limit - 1].last_event_at, rows[limit - 1].pk) if len(rows) > limit else None
    rows = rows[:limit]
    for session in rows:
        _with_preview(session.shown_events)
        session.more_events = max(0, session.event_total - len(session.shown_events))
    return rows, next_key


def contact_standalone_events(contact_id: int, *, limit: int = 20, before: Keyset | None = None) -> tuple[list[Event], Keyset | None]:
    """Human events of the contact outside any visit (calls, demos… sent by a back end), newest first.

    Identify events are left out: naming a person is not something they did."""
    qs = (
        Event.objects.filter(contact_id=contact_id, session__isnull=True, is_bot=False)
        .exclude(type=Event.Type.IDENTIFY)
        .exclude(ON_TIMELINE_ELSEWHERE)
        .order_by("-occurred_at", "-id")
    )
    rows = list(_before(qs, "occurred_at", before)[: limit + 1])
    next_key = (rows[limit - 1].occurred_at, rows[limit - 1].pk) if len(rows) > limit else None
    return _with_preview(rows[:limit]), next_key


@dataclass(frozen=True)
class SessionSummary:
    id: int
    channel: str
    channel_label: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    entry_url: str
    entry_path: str
    referrer: str
    started_at: dt.datetime
    last_event_at: dt.datetime
    page_count: int

    @classmethod
    def of(cls, session: Session) -> SessionSummary:
        return cls(
            id=session.pk, channel=session.channel, channel_label=channel_label(session.channel),
            utm_source=session.utm_source, utm_medium=session.utm_medium, utm_campaign=session.utm_campaign,
            utm_term=session.utm_term, utm_content=session.utm_content, entry_url=session.entry_url,
            entry_path=session.entry_path, referrer=session.referrer, started_at=session.started_at,
            last_event_at=session.last_event_at, page_count=session.page_count,
        )

    @property
    def utm(self) -> dict[str, str]:
        return {"source": self.utm_source, "medium": self.utm_medium, "campaign": self.utm_campaign,
                "term": self.utm_term, "content": self.utm_content}


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    sessions: int


@dataclass(frozen=True)
class Touches:
    count: int = 0
    first: SessionSummary | None = None
    last: SessionSummary | None = None
    converting: SessionSummary | None = None
    channels: list[ChannelCount] = field(default_factory=list)


def channel_label(value: str) -> str:
    try:
        return str(Channel(value).label)
    except ValueError:
        return value


def contact_touches(contact_id: int) -> Touches:
    """First and last visit, the visit of the first form submission, and channels by first use."""
    sessions = Session.objects.filter(contact_id=contact_id, is_bot=False)
    first = sessions.order_by("started_at", "id").first()
    if first is None:
        return Touches()
    last = sessions.order_by("-started_at", "-id").first()
    # The earliest submission decides, even when it has no visit (no cookie): then no visit converted.
    submission = (
        Event.objects.filter(contact_id=contact_id, type=Event.Type.TRACK, name="form_submitted", is_bot=False)
        .order_by("occurred_at", "id")
        .values("session_id")
        .first()
    )
    converting = None
    if submission and submission["session_id"]:
        converting = sessions.filter(pk=submission["session_id"]).first()
    channels = (
        sessions.values("channel").annotate(n=Count("id"), first_at=Min("started_at")).order_by("first_at", "channel")
    )
    return Touches(
        count=sessions.count(),
        first=SessionSummary.of(first),
        last=SessionSummary.of(last),
        converting=SessionSummary.of(converting) if converting else None,
        channels=[ChannelCount(channel=r["channel"], label=channel_label(r["channel"]), sessions=r["n"]) for r in channels],
    )


# ------------------------------------------------------------------ live feed


def recent_events(*, site_id: int | None = None, limit: int = 50, after_id: int | None = None) -> list[Event]:
    """The newest stored events by arrival (bots and unprocessed ones included)."""
    qs = Event.objects.select_related("site", "contact").order_by("-id")
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    if after_id is not None:
        qs = qs.filter(id__gt=after_id)
    return list(qs[:limit])


def newest_events(*, site_id: int | None = None, limit: int = 50) -> list[Event]:
    """The events that happened last (bots and unprocessed ones included), by when they
    occurred, newest first; the id breaks ties so the order holds between refreshes. Each
    carries `name_label`: the human label of a known event name, None for a custom one, and
    `where`: its path (else URL) decoded for reading."""
    qs = Event.objects.select_related("site", "contact").order_by("-occurred_at", "-id")
    if site_id is not None:
        qs = qs.filter(site_id=site_id)
    events = list(qs[:limit])
    for event in events:
        event.name_label = event_name_label(event.name)
        event.where = readable_url(event.path or event.url)
    return events


@dataclass(frozen=True)
class SiteActivity:
    site_id: int | None  # None: server-side events sent with an API key
    name: str
    is_active: bool
    last_hour: int
    last_day: int
    last_event_at: dt.datetime | None


def site_event_counts(now: dt.datetime | None = None) -> list[SiteActivity]:
    """Per site: events received in the last hour and 24 hours, and when the last one came.

    Counts every stored event, bots included: the question is whether the snippet sends."""
    now = now or clock.now()
    hour_ago, day_ago = now - dt.timedelta(hours=1), now - dt.timedelta(days=1)
    counts = {
        row["site_id"]: row
        for row in Event.objects.filter(received_at__gte=day_ago, received_at__lte=now)
        .values("site_id")
        .annotate(day=Count("id"), hour=Count("id", filter=Q(received_at__gte=hour_ago)), last=Max("received_at"))
        .order_by()
    }
    last_received = Event.objects.filter(site_id=OuterRef("pk")).order_by("-received_at").values("received_at")[:1]
    rows = []
    for site in Site.objects.annotate(last_event_at=Subquery(last_received)):
        row = counts.get(site.pk, {})
        rows.append(SiteActivity(site.pk, site.name, site.is_active, row.get("hour", 0), row.get("day", 0), site.last_event_at))
    if None in counts:
        row = counts[None]
        rows.append(SiteActivity(None, _("Server-side (API)"), True, row["hour"], row["day"], row["last"]))
    return rows


# ------------------------------------------------------------------ reports


@dataclass(frozen=True)
class PageRow:
    site_id: int | None
    site_name: str
    path: str
    title: str
    views: int
    visitors: int
    leads: int
    conversion: float | None  # leads / visitors, in percent


@dataclass(frozen=True)
class CtaRow:
    label: str
    clicks: int
    visitors: int
    leads: int
    conversion: float | None


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _human_events(since: dt.datetime, until: dt.datetime, site_id: int | None) -> QuerySet[Event]:
    qs = Event.objects.filter(is_bot=False, occurred_at__gte=since, occurred_at__lt=until).exclude(visitor_id="")
    return qs.filter(site_id=site_id) if site_id is not None else qs


def _reach() -> dict[str, Count]:
    """Distinct visitors, and those of them known as a contact (by the event or by the browser)."""
    known = Q(contact_id__isnull=False) | Q(visitor_id__in=Visitor.objects.filter(contact__isnull=False).values("visitor_id"))
    return {"visitors": Count("visitor_id", distinct=True), "leads": Count("visitor_id", distinct=True, filter=known)}


def pages_report(*, since: dt.datetime, until: dt.datetime, site_id: int | None = None, limit: int = 50) -> list[PageRow]:
    """Most viewed pages. The same path on two sites is two pages, so rows are per site and path."""
    rows = (
        _human_events(since, until, site_id)
        .filter(type=Event.Type.PAGE_VIEW)
        .values("site_id", "site__name", "path")
        .annotate(views=Count("id"), page_title=Max("title"), **_reach())
        .order_by("-views", "path", "site_id")[:limit]
    )
    return [
        PageRow(r["site_id"], r["site__name"] or "", r["path"], r["page_title"] or "", r["views"], r["visitors"], r["leads"],
                _rate(r["leads"], r["visitors"]))
        for r in rows
    ]


def cta_report(*, since: dt.datetime, until: dt.datetime, site_id: int | None = None, limit: int = 50) -> list[CtaRow]:
    """Most clicked calls to action, by label: one CTA placed on many pages is compared as one."""
    rows = (
        _human_events(since, until, site_id)
        .filter(type=Event.Type.TRACK, name="cta_click")
        .values("label")
        .annotate(clicks=Count("id"), **_reach())
        .order_by("-clicks", "label")[:limit]
    )
    return [CtaRow(r["label"], r["clicks"], r["visitors"], r["leads"], _rate(r["leads"], r["visitors"])) for r in rows]
