"""Reads for segments: the segments, one segment's members (cursor pages), counts, and the
segments a contact is in."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet, Window

from sarnakh.core.filters.compile import matching_contacts
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from sarnakh.segments.references import referenced


def segment_list() -> QuerySet[Segment]:
    return Segment.objects.order_by("id")


def segment_get(segment_id: int) -> Segment | None:
    return Segment.objects.filter(pk=segment_id).first()


def member_page(segment_id: int, *, after_contact_id: int | None, limit: int) -> tuple[list[SegmentMembership], int | None]:
    """Members by contact id, `limit` at a time after the cursor; the next cursor or None."""
    rows = SegmentMembership.objects.filter(segment_id=segment_id).order_by("contact_id")
    if after_contact_id is not None:
        rows = rows.filter(contact_id__gt=after_contact_id)
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].contact_id if more and page else None)


def member_ids(segment_id: int) -> QuerySet:
    """The stored members' contact ids, in order (export)."""
    return SegmentMembership.objects.filter(segment_id=segment_id).order_by("contact_id").values_list("contact_id", flat=True)


def member_count(segment_id: int) -> int:
    return SegmentMembership.objects.filter(segment_id=segment_id).count()


def live_count(segment: Segment) -> int:
    """How many contacts the filter matches right now (not the stored membership)."""
    return matching_contacts(segment.filter).count() if segment.kind == Segment.Kind.DYNAMIC else member_count(segment.pk)


PREVIEW_COLUMNS = ("pk", "email", "first_name", "last_name")


def live_preview(filter_data: Any, *, sample: int = 10, columns: tuple[str, ...] = PREVIEW_COLUMNS) -> tuple[int, list[dict]]:
    """What the builder shows while a filter is edited: how many contacts it matches now and
    the newest `sample` of them (id, email, names), in one query: the count rides along as a
    window over the matches, so the filter runs once instead of once for the count and once
    for the sample."""
    people = matching_contacts(filter_data).annotate(total=Window(Count("pk")))
    rows = list(people.order_by("-pk").values(*columns, "total")[:sample])
    total = rows[0].pop("total") if rows else 0
    for row in rows[1:]:
        row.pop("total")
    if not rows and sample == 0:
        total = matching_contacts(filter_data).count()
    return total, rows


def segments_of_contact(contact_id: int) -> list[SegmentMembership]:
    return list(SegmentMembership.objects.filter(contact_id=contact_id).select_related("segment").order_by("segment_id"))


def is_member(segment_id: int, contact_id: int) -> bool:
    return SegmentMembership.objects.filter(segment_id=segment_id, contact_id=contact_id).exists()


def changes_of(segment_id: int) -> QuerySet[SegmentMembershipChange]:
    return SegmentMembershipChange.objects.filter(segment_id=segment_id).order_by("id")


def any_segment() -> bool:
    """Whether re-evaluation has anything to do (the subscriber's `when`: one small query)."""
    return Segment.objects.exists()


def member_details(contact_ids: list[int]) -> dict[int, dict]:
    """Email and name of these live contacts (the export's columns)."""
    rows = matching_contacts({"match": "all", "conditions": []}).filter(pk__in=contact_ids)
    return {r["pk"]: r for r in rows.values("pk", "email", "first_name", "last_name")}


def referring_segments(segment_ids: set[int]) -> list[int]:
    """Dynamic segments whose filters name any of these segments (directly)."""
    rows = Segment.objects.filter(kind=Segment.Kind.DYNAMIC).values_list("pk", "filter")
    return sorted(pk for pk, tree in rows if referenced(tree) & segment_ids)


def any_referring_segment() -> bool:
    rows = Segment.objects.filter(kind=Segment.Kind.DYNAMIC).values_list("filter", flat=True)
    return any(referenced(tree) for tree in rows)


def static_list_choices() -> list[tuple[int, str]]:
    """(id, name) of the static lists, by name (pickers in other apps, core.lists)."""
    return list(Segment.objects.filter(kind=Segment.Kind.STATIC).order_by("name", "pk").values_list("pk", "name"))
