"""Reads for list hygiene: duplicate candidates, inactive contacts, list decay, address flags.

Duplicates are computed on request (docs/segments.md, "List hygiene", has the figures):
one read of the live contacts' names, emails, phones and companies, blocking and
rapidfuzz in memory, bounded by `matching.MAX_*`. Inactivity, decay and flags are SQL over
sets; nothing loops over contacts row by row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, StrIndex, Substr
from django.db.models.lookups import Exact, GreaterThan, In
from django.utils.translation import gettext_lazy as _

from sarnakh.contacts import selectors as contacts
from sarnakh.core import clock
from sarnakh.segments.hygiene import flags, matching
from sarnakh.segments.hygiene.models import DuplicateDismissal
from sarnakh.tracking import selectors as tracking

DEFAULT_INACTIVE_DAYS = 180
MIN_INACTIVE_DAYS, MAX_INACTIVE_DAYS = 7, 3650
DECAY_WINDOW_DAYS = 365
DECAY_BENCHMARK = 25.0  # percent a year: the brief's "about 25% of subscribers go stale every year"
COLD_STAGE = "cold"
UNSUBSCRIBED = "unsubscribed"


# ---------------------------------------------------------------- duplicates


def dismissed_pairs() -> set[tuple[int, int]]:
    return set(DuplicateDismissal.objects.values_list("contact_low", "contact_high"))


def duplicate_people() -> list[matching.Person]:
    rows = contacts.live_contacts().order_by().values_list(
        "pk", "first_name", "last_name", "email", "phone", "company_id", "created_at")
    return [matching.Person(*row) for row in rows.iterator(chunk_size=5000)]


def duplicate_candidates(*, max_pairs: int = matching.MAX_PAIRS) -> matching.Result:
    return matching.find_candidates(duplicate_people(), region=settings.SARNAKH_DEFAULT_REGION,
                                    dismissed=dismissed_pairs(), max_pairs=max_pairs)


def contacts_by_id(ids: set[int]) -> dict:
    qs = contacts.with_relations(contacts.live_contacts().filter(pk__in=ids))
    return {c.pk: c for c in qs}


# ---------------------------------------------------------------- inactivity


@dataclass(frozen=True)
class ActivitySource:
    """A kind of activity that keeps a contact active: `active_since(cutoff)` is a Q over
    contacts that had some of it at or after `cutoff`. Email opens and clicks join this
    list when the email app exists (human opens only)."""

    key: str
    label: object
    active_since: Callable[[dt.datetime], Q]


def _tracked_since(cutoff: dt.datetime) -> Q:
    # Page views, clicks, custom events and form submissions (capture records each one as a
    # tracking `form_submitted` event); bots never count. Index: (contact, occurred_at).
    return Q(Exists(tracking.human_events().filter(contact_id=OuterRef("pk"), occurred_at__gte=cutoff)))


ACTIVITY_SOURCES: list[ActivitySource] = [
    ActivitySource("tracking", _("Visits, clicks and form submissions"), _tracked_since),
]


def clean_days(value: object, default: int = DEFAULT_INACTIVE_DAYS) -> int:
    """N days from a form or query: a whole number kept within the allowed range."""
    text = str(value or "").strip()
    if not text.isdigit() or len(text) > 5:
        return default
    return min(max(int(text), MIN_INACTIVE_DAYS), MAX_INACTIVE_DAYS)


def inactive_q(days: int, now: dt.datetime) -> Q:
    """Contacts with no activity of any source in the last `days` days (now − days ≤ t
    counts as active), who have been contacts at least that long."""
    cutoff = now - dt.timedelta(days=days)
    active = reduce(or_, (source.active_since(cutoff) for source in ACTIVITY_SOURCES))
    return Q(created_at__lt=cutoff) & ~active


def inactive_contacts(days: int, *, now: dt.datetime | None = None, include_cold: bool = False) -> QuerySet:
    """Live contacts inactive for `days` days, the longest-known first; those already in
    the cold stage are left out unless asked for (they have been sunset)."""
    qs = contacts.live_contacts().filter(inactive_q(days, now or clock.now()))
    if not include_cold:
        qs = qs.exclude(stage=COLD_STAGE)
    return qs.order_by("created_at", "pk")


@dataclass(frozen=True)
class Breakdown:
    key: str
    count: int


def inactive_breakdown(qs: QuerySet) -> dict[str, list[Breakdown]]:
    out = {}
    for column in ("source_type", "channel"):
        rows = qs.order_by().values(column).annotate(n=Count("pk")).order_by("-n", column)
        out[column] = [Breakdown(r[column], r["n"]) for r in rows]
    return out


# ---------------------------------------------------------------- list decay


@dataclass(frozen=True)
class DecayRow:
    key: str  # the source type or channel value; "" for the total
    marketable: int
    unsubscribed: int
    inactive: int
    decayed: int  # unsubscribed or inactive (a contact counts once)

    @property
    def rate(self) -> float | None:
        return 100.0 * self.decayed / self.marketable if self.marketable else None

    @property
    def above_benchmark(self) -> bool:
        return self.rate is not None and self.rate > DECAY_BENCHMARK


@dataclass(frozen=True)
class Decay:
    since: dt.datetime
    until: dt.datetime
    inactive_days: int
    total: DecayRow
    by_source_type: list[DecayRow]
    by_channel: list[DecayRow]


def decay(*, now: dt.datetime | None = None, inactive_days: int = DEFAULT_INACTIVE_DAYS) -> Decay:
    """List decay over the last 12 months. Marketable: a live contact with an email that
    was not unsubscribed when the window opened (or was created in it). Decayed: among
    them, those who unsubscribed in the window, or are inactive now (`inactive_q`).
    Bounces and complaints join `unreachable` when the email app records them."""
    now = now or clock.now()
    since = now - dt.timedelta(days=DECAY_WINDOW_DAYS)
    unsubscribed_before = Q(consent=UNSUBSCRIBED) & (Q(consent_at__lt=since) | Q(consent_at__isnull=True))
    base = contacts.live_contacts().exclude(email="").filter(created_at__lte=now).exclude(unsubscribed_before)
    unsubscribed = Q(consent=UNSUBSCRIBED, consent_at__gte=since)
    inactive = inactive_q(inactive_days, now)
    measures = {
        "marketable": Count("pk"),
        "unsubscribed": Count("pk", filter=unsubscribed),
        "inactive": Count("pk", filter=inactive),
        "decayed": Count("pk", filter=unsubscribed | inactive),
    }

    def rows(column: str) -> list[DecayRow]:
        found = base.order_by().values(column).annotate(**measures).order_by("-marketable", column)
        return [DecayRow(key=r[column], **{k: r[k] for k in measures}) for r in found]

    total = base.order_by().aggregate(**measures)
    return Decay(since=since, until=now, inactive_days=inactive_days, total=DecayRow(key="", **total),
                 by_source_type=rows("source_type"), by_channel=rows("channel"))


# ---------------------------------------------------------------- address flags

_DOMAIN = Lower(Substr("email", StrIndex("email", Value("@")) + 1))  # after the first @


def flag_q(flag: str) -> Q:
    """The contacts whose email carries `flag` (flags.py: the same rules in Python)."""
    if flag == flags.ROLE:
        return reduce(or_, (Q(email__istartswith=f"{local}@") for local in sorted(flags.ROLE_LOCAL_PARTS)))
    if flag == flags.DISPOSABLE:
        return Q(email__contains="@") & Q(In(_DOMAIN, sorted(flags.DISPOSABLE_DOMAINS)))
    if flag == flags.INVALID:
        bad = (
            ~Q(email__contains="@") | Q(email__contains=" ") | Q(email__contains="..")
            | Q(email__startswith="@") | Q(email__startswith=".") | Q(email__endswith=".")
            | Q(email__contains=".@") | Q(email__contains="@.")
            | Q(GreaterThan(StrIndex(_DOMAIN, Value("@")), 0))  # a second @
            | Q(Exact(StrIndex(_DOMAIN, Value(".")), 0))  # no dot in the domain
        )
        return ~Q(email="") & bad
    raise ValueError(f"unknown flag {flag!r}")


def flagged_contacts(flag: str) -> QuerySet:
    return contacts.live_contacts().filter(flag_q(flag)).order_by("-created_at", "-pk")


def flag_counts() -> dict[str, int]:
    counts = contacts.live_contacts().order_by().aggregate(
        **{flag: Count("pk", filter=flag_q(flag)) for flag in flags.FLAGS})
    return {flag: counts[flag] for flag in flags.FLAGS}
