"""Reads behind the segment pages: the live count and a sample while a filter is edited,
a page of members with who they are, recent joins and leaves, membership per day, and
contacts named by email or id (adding to a static list).

Contacts are read through the filter language (`matching_contacts`: live contacts only),
never by importing the contacts app's models. Every query is set-based: a count, a
sliced query, one `IN` over a page of ids, one GROUP BY over the history."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from sarnakh.core.filters.compile import matching_contacts
from sarnakh.core.normalize import normalize_digits
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from sarnakh.segments.selectors import live_preview

EVERYONE: dict[str, Any] = {"match": "all", "conditions": []}
SAMPLE_SIZE = 10
MEMBERS_PAGE = 50
RECENT_CHANGES = 20
MAX_TYPED_CONTACTS = 1000  # emails or ids typed into a list's "add" box at once
CONTACT_COLUMNS = ("pk", "first_name", "last_name", "email", "phone", "stage_id")


def live_count_and_sample(tree: Any, *, sample: int = SAMPLE_SIZE) -> tuple[int, list[dict[str, Any]]]:
    """How many live contacts the filter matches now, and the newest few of them (one query)."""
    return live_preview(tree, sample=sample, columns=CONTACT_COLUMNS)


def people_by_id(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    if not contact_ids:
        return {}
    rows = matching_contacts(EVERYONE).filter(pk__in=contact_ids).values(*CONTACT_COLUMNS)
    return {row["pk"]: row for row in rows}


def members_page(segment: Segment, *, after: int | None, limit: int = MEMBERS_PAGE) -> tuple[list[dict[str, Any]], int | None]:
    """A page of members by contact id after the cursor, each with who they are (a contact
    merged or deleted since shows by id), and the next cursor or None."""
    rows = SegmentMembership.objects.filter(segment=segment).order_by("contact_id")
    if after is not None:
        rows = rows.filter(contact_id__gt=after)
    page = list(rows.values("contact_id", "entered_at", "reason")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    people = people_by_id([m["contact_id"] for m in page])
    out = [{**m, "person": people.get(m["contact_id"])} for m in page]
    return out, (page[-1]["contact_id"] if more and page else None)


def recent_changes(segment: Segment, *, limit: int = RECENT_CHANGES) -> list[dict[str, Any]]:
    rows = list(SegmentMembershipChange.objects.filter(segment=segment).order_by("-at", "-id")
                .values("contact_id", "change", "reason", "at")[:limit])
    people = people_by_id(sorted({r["contact_id"] for r in rows}))
    return [{**r, "person": people.get(r["contact_id"])} for r in rows]


def membership_per_day(segment: Segment, *, days: int) -> list[dict[str, Any]]:
    """Members at the end of each of the last `days` days (today last), rebuilt backwards
    from today's count and the joins and leaves of each day (one GROUP BY)."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = today - dt.timedelta(days=days - 1)
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min), tz)
    per_day: dict[tuple[dt.date, str], int] = {}
    grouped = (SegmentMembershipChange.objects.filter(segment=segment, at__gte=start)
               .annotate(day=TruncDate("at", tzinfo=tz)).values("day", "change").annotate(n=Count("id")))
    for row in grouped:
        per_day[(row["day"], row["change"])] = row["n"]
    count = SegmentMembership.objects.filter(segment=segment).count()
    series = []
    for offset in range(days):  # today first, then backwards
        day = today - dt.timedelta(days=offset)
        entered, left = per_day.get((day, "entered"), 0), per_day.get((day, "left"), 0)
        series.append({"day": day, "count": max(count, 0), "entered": entered, "left": left})
        count = count - entered + left
    series.reverse()
    return series


_ID = re.compile(r"^#?\d{1,18}$")


def contacts_named(text: str) -> tuple[list[int], list[str]]:
    """Live contacts named in typed text (emails or ids, separated by commas, spaces or
    lines): their ids, and what named no one (at most MAX_TYPED_CONTACTS items are read)."""
    items = [part.strip() for part in re.split(r"[\s,،;]+", normalize_digits(text or "")) if part.strip()]
    items = list(dict.fromkeys(items))[:MAX_TYPED_CONTACTS]
    ids = [int(i.lstrip("#")) for i in items if _ID.match(i)]
    emails = [i for i in items if not _ID.match(i)]
    found_ids = set(matching_contacts(EVERYONE).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    by_email: dict[str, int] = {}
    if emails:
        tree = {"match": "all", "conditions": [{"field": "email", "op": "in", "value": emails}]}
        for pk, email in matching_contacts(tree).order_by("pk").values_list("pk", "email"):
            by_email.setdefault(email.lower(), pk)
    unknown = [i for i in items if (_ID.match(i) and int(i.lstrip("#")) not in found_ids)
               or (not _ID.match(i) and i.lower() not in by_email)]
    return sorted(found_ids | set(by_email.values())), unknown
