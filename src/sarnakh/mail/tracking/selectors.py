"""Tracking reads for reports (a campaign's report, a message's figures): set-based, one
SQL query each, over any set of messages given as a queryset or subquery of
OutboundEmail ids (or a list). Human and machine figures side by side; only the human ones
should decide anything.

"Unique" counts are messages, not rows: a campaign sends one message per recipient, so
unique human openers are the messages a person opened (or clicked, since a click is an
open whose pixel the client did not load), and unique clickers the messages a person
clicked in. Index: (email, kind, occurred_at)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour

from sarnakh.mail.tracking.models import EmailEngagement

OPEN, CLICK = EmailEngagement.Kind.OPEN, EmailEngagement.Kind.CLICK
CLICK_MAP_LIMIT = 500


def engagement_counts(email_ids: Any) -> dict[str, int]:
    """`human_opens`, `machine_opens`, `unique_human_openers`, `human_clicks`,
    `machine_clicks`, `unique_human_clickers` of the messages `email_ids` (one query)."""
    human, machine = Q(machine=False), Q(machine=True)
    figures = EmailEngagement.objects.filter(email_id__in=email_ids).aggregate(
        human_opens=Count("pk", filter=human & Q(kind=OPEN)),
        machine_opens=Count("pk", filter=machine & Q(kind=OPEN)),
        unique_human_openers=Count("email_id", distinct=True, filter=human),
        human_clicks=Count("pk", filter=human & Q(kind=CLICK)),
        machine_clicks=Count("pk", filter=machine & Q(kind=CLICK)),
        unique_human_clickers=Count("email_id", distinct=True, filter=human & Q(kind=CLICK)),
    )
    return {key: value or 0 for key, value in figures.items()}


class ClickRow(NamedTuple):
    url: str
    human_clicks: int
    unique_human_clickers: int
    machine_clicks: int


def click_map(email_ids: Any, *, limit: int = CLICK_MAP_LIMIT) -> list[ClickRow]:
    """Each clicked destination of the messages `email_ids` with its human clicks, unique
    human clickers and machine clicks, most human clicks first (one GROUP BY query; at most
    `limit` destinations)."""
    limit = max(1, min(int(limit), CLICK_MAP_LIMIT))
    rows = (
        EmailEngagement.objects.filter(email_id__in=email_ids, kind=CLICK).order_by().values("url")
        .annotate(human=Count("pk", filter=Q(machine=False)), unique=Count("email_id", distinct=True, filter=Q(machine=False)),
                  machines=Count("pk", filter=Q(machine=True)))
        .order_by("-human", "-unique", "-machines", "url")[:limit]
    )
    return [ClickRow(r["url"], r["human"], r["unique"], r["machines"]) for r in rows]


def email_engagements(email_id: int, *, limit: int = 100) -> list[EmailEngagement]:
    """A message's opens and clicks, newest first (for a message's detail)."""
    return list(EmailEngagement.objects.filter(email_id=email_id).order_by("-occurred_at", "-id")[: max(1, min(limit, 1000))])


def engagement_by_hour(email_ids: Any, *, start: dt.datetime, until: dt.datetime) -> list[tuple[dt.datetime, str, bool, int]]:
    """(hour, kind, machine, count) of the messages' opens and clicks in [start, until), one
    GROUP BY over the (email, kind, occurred_at) index; hours in UTC."""
    rows = (EmailEngagement.objects.filter(email_id__in=email_ids, occurred_at__gte=start, occurred_at__lt=until)
            .annotate(hour=TruncHour("occurred_at", tzinfo=dt.UTC)).order_by()
            .values("hour", "kind", "machine").annotate(n=Count("pk")))
    return [(r["hour"], r["kind"], r["machine"], r["n"]) for r in rows]


def message_engagements(email_id: Any, *, kind: str | None = None, machine: bool | None = None) -> QuerySet[EmailEngagement]:
    """The opens and/or clicks of one message, human, machine or both: `email_id` is a value
    or an OuterRef, so callers build per-message subqueries (a campaign's recipients page)
    over the (email, kind, occurred_at) index."""
    rows = EmailEngagement.objects.filter(email_id=email_id)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if machine is not None:
        rows = rows.filter(machine=machine)
    return rows.order_by()


def engaged_message_counts(email_ids: Any, *, url: str = "") -> dict[str, int]:
    """Messages among `email_ids` with any open or click (`engaged`), with a human one
    (`human`), with a human click (`human_clickers`; `url`: on that link) — one aggregate."""
    click = Q(kind=CLICK, machine=False) & (Q(url=url) if url else Q())
    figures = EmailEngagement.objects.filter(email_id__in=email_ids).aggregate(
        engaged=Count("email_id", distinct=True), human=Count("email_id", distinct=True, filter=Q(machine=False)),
        human_clickers=Count("email_id", distinct=True, filter=click))
    return {key: value or 0 for key, value in figures.items()}
