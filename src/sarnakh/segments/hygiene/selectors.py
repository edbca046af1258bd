"""Reads for list hygiene: duplicate candidates, inactive contacts, list decay, address flags.

Duplicates are computed on request (docs/segments.md, "List hygiene", has the figures):
one read of the live contacts' names, emails, phones and companies, blocking and
rapidfuzz in memory, bounded by `matching.MAX_*`. Inactivity, decay and flags are SQL over
sets; nothing loops over contacts row by row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Greatest, Lower, StrIndex, Substr
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
        "pk", "first_name", "last_name", "email", "phone", "company_id")  # no dates: parsing them costs most
    return [matching.Person(*row) for row in rows.iterator(chunk_size=5000)]


CACHE_SECONDS = 600


def _fingerprint() -> str:
    """Changes whenever a live contact is added, changed, merged or deleted, or a pair is
    dismissed: one aggregate over contacts (an index scan) and one count."""
    live = contacts.live_contacts().order_by().aggregate(n=Count("pk"), top=Max("pk"), changed=Max("updated_at"))
    return f"{live['n']}:{live['top']}:{live['changed']}:{DuplicateDismissal.objects.count()}:{DuplicateDismissal.objects.aggregate(m=Max('pk'))['m']}"


def duplicate_candidates(*, max_pairs: int = matching.MAX_PAIRS, fresh: bool = False) -> matching.Result:
    """The candidate pairs now. A run over 100,000 contacts takes seconds, so its result is
    kept (process cache, 10 minutes) until the contacts or the dismissals change."""
    key = "hygiene:duplicates:" + hashlib.sha256(f"{max_pairs}:{_fingerprint()}".encode()).hexdigest()
    if not fresh:
        found = cache.get(key)
        if found is not None:
            return found
    result = matching.find_candidates(duplicate_people(), region=settings.SARNAKH_DEFAULT_REGION,
                                      dismissed=dismissed_pairs(), max_pairs=max_pairs)
    cache.set(key, result, CACHE_SECONDS)
    return result


def contacts_by_id(ids: set[int]) -> dict:
    qs = contacts.with_relations(contacts.live_contacts().filter(pk__in=ids))
    return {c.pk: c for c in qs}


# ---------------------------------------------------------------- inactivity


@dataclass(frozen=True)
class ActivitySource:
    """A kind of activity that keeps a contact active: `active_since(cutoff)` is a Q over
    contacts that had some of it at or after `cutoff`. Human email opens and clicks are
    tracking events (mail records them), so the tracking source covers them."""

    key: str
    label: object
    active_since: Callable[[dt.datetime], Q]


def _tracked_since(cutoff: dt.datetime) -> Q:
    # Page views, clicks, custom events and form submissions (capture records each one as a
    # tracking `form_submitted` event), and human email opens and clicks (mail records them as
    # `email_open` / `email_click`); bots and bounces never count. Index: (contact, occurred_at).
    return Q(Exists(tracking.activity_events().filter(contact_id=OuterRef("pk"), occurred_at__gte=cutoff)))


ACTIVITY_SOURCES: list[ActivitySource] = [
    ActivitySource("tracking", _("Visits, clicks, form submissions and email opens and clicks"), _tracked_since),
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

    # One pass, grouped by (source type, channel); the totals and each side are sums of it.
    cells = list(base.order_by().values("source_type", "channel").annotate(**measures))

    def rows(column: str | None) -> list[DecayRow]:
        sums: dict[str, dict[str, int]] = {}
        for cell in cells:
            into = sums.setdefault(cell[column] if column else "", dict.fromkeys(measures, 0))
            for k in measures:
                into[k] += cell[k]
        return sorted((DecayRow(key=key, **values) for key, values in sums.items()), key=lambda r: (-r.marketable, r.key))

    total = rows(None) or [DecayRow(key="", **dict.fromkeys(measures, 0))]
    return Decay(since=since, until=now, inactive_days=inactive_days, total=total[0],
                 by_source_type=rows("source_type"), by_channel=rows("channel"))


# ---------------------------------------------------------------- address flags

_DOMAIN = Lower(Substr("email", StrIndex("email", Value("@")) + 1))  # after the first @
_LOCAL = Lower(Substr("email", 1, Greatest(StrIndex("email", Value("@")) - 1, 0)))  # before it (never a negative length)


def flag_q(flag: str) -> Q:
    """The contacts whose email carries `flag` (flags.py: the same rules in Python)."""
    if flag == flags.ROLE:
        return Q(email__contains="@") & Q(In(_LOCAL, sorted(flags.ROLE_LOCAL_PARTS)))
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
