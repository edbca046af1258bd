"""Writes for segments: create, change, delete; the set-based refresh of a dynamic segment,
the incremental re-evaluation of the contacts an event touched; a static list's add and
remove. Every join and leave writes a membership row change, a history row, a
`segment.entered` / `segment.left` event and a row on the contact's timeline, in one
transaction.

Membership is computed by the filter language (core.filters): the matching contacts are
one query, read in id order beside the stored members (a merge, so the filter runs once),
and the writes go in batches of BATCH rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.events import publish_many
from sarnakh.core.filters.compile import FilterError, matching_contacts, parse_filter
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.timeline import timeline_write_many
from sarnakh.segments.contact_page import SEGMENT_ENTERED, SEGMENT_LEFT
from sarnakh.segments.events import SegmentEntered, SegmentLeft
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from sarnakh.segments.references import cycle_through, dependency_order, referenced

MAX_NAME = 200
MAX_DESCRIPTION = 5000
MAX_REASON = 200
# Rows written (memberships, history, events) per statement.
BATCH = 1000
# Ids fetched per round trip while a refresh diffs the matching set with the stored one.
DIFF_CHUNK = 10_000
# Contacts re-evaluated per query (an IN list of ids).
REEVALUATE_CHUNK = 500
# At most this many contacts per `list_add` / `list_remove` call.
MAX_LIST_CHANGE = 10_000
# Live contacts: an empty `all` group matches every contact not merged away.
EVERYONE: dict[str, Any] = {"match": "all", "conditions": []}


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


def _clean_name(name: Any) -> str:
    text = clean_display_text(name if isinstance(name, str) else "")
    if not text:
        raise _invalid({"name": [_("Give the segment a name.")]})
    if len(text) > MAX_NAME:
        raise _invalid({"name": [_("At most %(n)s characters.") % {"n": MAX_NAME}]})
    return text


def _clean_description(description: Any) -> str:
    text = description if isinstance(description, str) else ""
    if len(text) > MAX_DESCRIPTION:
        raise _invalid({"description": [_("At most %(n)s characters.") % {"n": MAX_DESCRIPTION}]})
    return text


def _dynamic_filters(exclude: int | None = None) -> dict[int, Any]:
    rows = Segment.objects.filter(kind=Segment.Kind.DYNAMIC).exclude(pk=exclude).values_list("pk", "filter")
    return dict(rows)


def _refuse_cycles(segment: Segment, data: dict) -> None:
    """A segment may not contain itself, directly or through the segments it names."""
    refers = referenced(data)
    if not refers:
        return
    path = [segment.pk] if segment.pk in refers else cycle_through(segment.pk, refers, _dynamic_filters(exclude=segment.pk))
    if path:
        names = dict(Segment.objects.filter(pk__in=path).values_list("pk", "name"))
        shown = " → ".join(f"“{names.get(pk, pk)}”" for pk in path)
        raise _invalid({"filter": [_("A segment cannot contain itself: %(path)s.") % {"path": shown}]})


def _ordered_dynamic_ids() -> list[int]:
    """Dynamic segments, each after the segments its filter names."""
    return dependency_order(_dynamic_filters())


def _clean_filter(kind: str, data: Any) -> dict:
    if kind == Segment.Kind.STATIC:
        if data:
            raise _invalid({"filter": [_("A static list has no filter: add its members instead.")]})
        return {}
    if data is None:
        raise _invalid({"filter": [_("A dynamic segment needs a filter.")]})
    try:
        parse_filter(data)
    except FilterError as error:
        key = f"filter.{error.path}" if error.path else "filter"
        raise _invalid({key: [error.message]}) from None
    return data


def _clean_kind(kind: Any) -> str:
    if kind not in Segment.Kind.values:
        raise _invalid({"kind": [_("Use one of: %(values)s.") % {"values": ", ".join(Segment.Kind.values)}]})
    return kind


def segment_create(*, name: str, kind: str = Segment.Kind.DYNAMIC, filter: Any = None, description: str = "",
                   refresh: bool = True) -> Segment:
    """A new segment; a dynamic one is filled at once (`refresh`), in the same transaction."""
    kind = _clean_kind(kind)
    clean = {"name": _clean_name(name), "description": _clean_description(description), "filter": _clean_filter(kind, filter)}
    now = clock.now()
    with transaction.atomic():
        segment = Segment.objects.create(kind=kind, created_at=now, updated_at=now, **clean)
        if refresh and kind == Segment.Kind.DYNAMIC:
            segment_refresh(segment_id=segment.pk, reason="created")
    segment.refresh_from_db()
    return segment


def _locked(segment_id: int) -> Segment:
    segment = Segment.objects.select_for_update().filter(pk=segment_id).first()
    if segment is None:
        raise NotFound(_("No segment with the id %(id)s.") % {"id": segment_id})
    return segment


def segment_update(*, segment_id: int, name: str | None = None, description: str | None = None, filter: Any = None) -> Segment:
    """Changes what is given; a new filter refreshes the membership in the same transaction."""
    with transaction.atomic():
        segment = _locked(segment_id)
        fields = ["updated_at"]
        if name is not None:
            segment.name = _clean_name(name)
            fields.append("name")
        if description is not None:
            segment.description = _clean_description(description)
            fields.append("description")
        refilter = filter is not None and filter != segment.filter
        if filter is not None:
            segment.filter = _clean_filter(segment.kind, filter)
            _refuse_cycles(segment, segment.filter)
            fields.append("filter")
        segment.updated_at = clock.now()
        segment.save(update_fields=fields)
        if refilter and segment.kind == Segment.Kind.DYNAMIC:
            segment_refresh(segment_id=segment.pk, reason="filter changed")
    segment.refresh_from_db()
    return segment


def segment_delete(*, segment_id: int) -> None:
    """Deletes a segment with its members and history; members get no `segment.left`
    (the segment itself is gone)."""
    with transaction.atomic():
        segment = _locked(segment_id)
        users = sorted(name for pk, name, tree in Segment.objects.filter(kind=Segment.Kind.DYNAMIC)
                       .exclude(pk=segment.pk).values_list("pk", "name", "filter") if segment.pk in referenced(tree))
        if users:
            raise _invalid({"segment": [_("Segments use it in their filters: %(names)s. Change them first.")
                                        % {"names": ", ".join(f"“{n}”" for n in users)}]})
        SegmentMembershipChange.objects.filter(segment=segment).delete()
        SegmentMembership.objects.filter(segment=segment).delete()
        segment.delete()


def _batches(ids: list[int], size: int = BATCH) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _apply(segment: Segment, *, entered: list[int], left: list[int], reason: str, actor: Any = None) -> None:
    """Writes a diff: membership rows, history rows, events and timeline rows, in batches
    (caller's transaction, segment row locked)."""
    if not entered and not left:
        return
    now, reason = clock.now(), reason[:MAX_REASON]
    who = actor if isinstance(actor, Actor) else Actor.system()
    shown = {"segment_id": segment.pk, "segment_name": segment.name, "kind": segment.kind, "reason": reason}
    for batch in _batches(sorted(entered)):
        SegmentMembership.objects.bulk_create(
            [SegmentMembership(segment=segment, contact_id=cid, entered_at=now, reason=reason) for cid in batch]
        )
        SegmentMembershipChange.objects.bulk_create(
            [SegmentMembershipChange(segment=segment, contact_id=cid, change="entered", reason=reason, at=now) for cid in batch]
        )
        publish_many(
            [SegmentEntered(contact_id=cid, segment_id=segment.pk, segment_name=segment.name, reason=reason) for cid in batch],
            actor=actor or "segments",
        )
        timeline_write_many(rows=[(cid, shown) for cid in batch], kind=SEGMENT_ENTERED, actor=who, at=now)
    for batch in _batches(sorted(left)):
        SegmentMembership.objects.filter(segment=segment, contact_id__in=batch).delete()
        SegmentMembershipChange.objects.bulk_create(
            [SegmentMembershipChange(segment=segment, contact_id=cid, change="left", reason=reason, at=now) for cid in batch]
        )
        publish_many(
            [SegmentLeft(contact_id=cid, segment_id=segment.pk, segment_name=segment.name, reason=reason) for cid in batch],
            actor=actor or "segments",
        )
        timeline_write_many(rows=[(cid, shown) for cid in batch], kind=SEGMENT_LEFT, actor=who, at=now)
    Segment.objects.filter(pk=segment.pk).update(member_count=F("member_count") + len(entered) - len(left))


def _ordered_diff(matching: Iterator[int], stored: Iterator[int]) -> tuple[list[int], list[int]]:
    """(in `matching` only, in `stored` only) of two ascending id streams. Each step takes at
    least one id from a stream, so the loop ends when both are spent."""
    entered: list[int] = []
    left: list[int] = []
    m, s = next(matching, None), next(stored, None)
    while m is not None or s is not None:
        if s is None or (m is not None and m < s):
            entered.append(m)
            m = next(matching, None)
        elif m is None or s < m:
            left.append(s)
            s = next(stored, None)
        else:
            m, s = next(matching, None), next(stored, None)
    return entered, left


def segment_refresh(*, segment_id: int, reason: str = "refresh", now: dt.datetime | None = None) -> tuple[int, int]:
    """Rebuilds a dynamic segment's membership from its filter, set-based: (entered, left)."""
    with transaction.atomic():
        segment = _locked(segment_id)
        if segment.kind != Segment.Kind.DYNAMIC:
            raise _invalid({"segment": [_("A static list is not refreshed: its members are added by hand.")]})
        # The filter runs once (it is the costly part: a diff by two anti-joins ran it twice);
        # both id streams come in order and are merged, so memory holds the diff only.
        matching = matching_contacts(segment.filter, now).order_by("pk").values_list("pk", flat=True)
        stored = SegmentMembership.objects.filter(segment=segment).order_by("contact_id").values_list("contact_id", flat=True)
        entered, left = _ordered_diff(matching.iterator(chunk_size=DIFF_CHUNK), stored.iterator(chunk_size=DIFF_CHUNK))
        _apply(segment, entered=entered, left=left, reason=reason)
        Segment.objects.filter(pk=segment.pk).update(
            last_refreshed_at=clock.now(), member_count=SegmentMembership.objects.filter(segment=segment).count()
        )
    return len(entered), len(left)


def segment_refresh_all(*, reason: str = "refresh") -> int:
    """Refreshes every dynamic segment, each in its own transaction; how many."""
    ids = _ordered_dynamic_ids()
    for segment_id in ids:
        segment_refresh(segment_id=segment_id, reason=reason)
    return len(ids)


def segment_refresh_due(*, older_than: dt.timedelta, reason: str = "scheduled refresh") -> int:
    """Refreshes the dynamic segments not refreshed for `older_than` (the 15-minute
    housekeeping: windows that slide and relative dates change membership with time alone);
    how many. Segments another process has just refreshed are skipped."""
    due_before = clock.now() - older_than
    due = set(
        Segment.objects.filter(kind=Segment.Kind.DYNAMIC)
        .filter(Q(last_refreshed_at__isnull=True) | Q(last_refreshed_at__lt=due_before))
        .values_list("pk", flat=True)
    )
    ids = [pk for pk in _ordered_dynamic_ids() if pk in due]
    done = 0
    for segment_id in ids:
        with transaction.atomic():
            segment = Segment.objects.select_for_update().filter(pk=segment_id).first()
            if segment is None or (segment.last_refreshed_at and segment.last_refreshed_at >= due_before):
                continue
            segment_refresh(segment_id=segment_id, reason=reason)
            done += 1
    return done


def segment_reevaluate_contacts(*, contact_ids: Iterable[int], reason: str, now: dt.datetime | None = None,
                                segment_ids: Iterable[int] | None = None) -> int:
    """Re-decides these contacts' membership of every dynamic segment, or of `segment_ids`
    (incremental: what a full refresh would decide for them); returns how many joins and leaves."""
    ids = sorted({int(cid) for cid in contact_ids})
    if not ids:
        return 0
    changes = 0
    with transaction.atomic():
        only = None if segment_ids is None else set(segment_ids)
        for segment_id in _ordered_dynamic_ids():
            if only is not None and segment_id not in only:
                continue
            segment = Segment.objects.select_for_update().filter(pk=segment_id).first()
            if segment is None:
                continue
            entered: list[int] = []
            left: list[int] = []
            for chunk in _batches(ids, REEVALUATE_CHUNK):
                matching = set(matching_contacts(segment.filter, now, among=chunk).values_list("pk", flat=True))
                stored = set(
                    SegmentMembership.objects.filter(segment=segment, contact_id__in=chunk).values_list("contact_id", flat=True)
                )
                entered += matching - stored
                left += stored - matching
            _apply(segment, entered=entered, left=left, reason=reason)
            changes += len(entered) + len(left)
        changes += _static_drop_gone(ids, reason=reason)
    return changes


def _static_drop_gone(ids: list[int], *, reason: str) -> int:
    """Contacts deleted or merged away leave the static lists they were in."""
    gone: list[int] = []
    for chunk in _batches(ids, REEVALUATE_CHUNK):
        live = set(matching_contacts(EVERYONE).filter(pk__in=chunk).values_list("pk", flat=True))
        gone += [cid for cid in chunk if cid not in live]
    if not gone:
        return 0
    changes = 0
    lists = SegmentMembership.objects.filter(segment__kind=Segment.Kind.STATIC, contact_id__in=gone)
    for segment_id in sorted(set(lists.values_list("segment_id", flat=True))):
        segment = Segment.objects.select_for_update().filter(pk=segment_id).first()
        if segment is None:
            continue
        left = list(SegmentMembership.objects.filter(segment=segment, contact_id__in=gone).values_list("contact_id", flat=True))
        _apply(segment, entered=[], left=left, reason=reason)
        changes += len(left)
    return changes


def _static(segment_id: int) -> Segment:
    segment = _locked(segment_id)
    if segment.kind != Segment.Kind.STATIC:
        raise _invalid({"segment": [_("Members are added to and removed from static lists only.")]})
    return segment


def _list_ids(contact_ids: Iterable[Any]) -> list[int]:
    ids = list(contact_ids)
    if len(ids) > MAX_LIST_CHANGE:
        raise _invalid({"contact_ids": [_("At most %(n)s contacts at a time.") % {"n": MAX_LIST_CHANGE}]})
    if any(not isinstance(cid, int) or isinstance(cid, bool) or cid < 1 for cid in ids):
        raise _invalid({"contact_ids": [_("Contact ids are positive integers.")]})
    return sorted(set(ids))


def list_add(*, segment_id: int, contact_ids: Iterable[int], reason: str = "added by hand", actor: Any = None,
             skip_gone: bool = False) -> int:
    """Adds live contacts to a static list (ones already in it are left as they are); how many joined.
    An id that is no live contact is refused, and nothing is added; with `skip_gone` (an
    import adding its batch later) such ids are left out instead."""
    ids = _list_ids(contact_ids)
    with transaction.atomic():
        segment = _static(segment_id)
        live: set[int] = set()
        for chunk in _batches(ids, REEVALUATE_CHUNK):
            live |= set(matching_contacts(EVERYONE).filter(pk__in=chunk).values_list("pk", flat=True))
        unknown = [cid for cid in ids if cid not in live]
        if skip_gone:
            ids, unknown = [cid for cid in ids if cid in live], []
        if unknown:
            shown = ", ".join(str(cid) for cid in unknown[:10])
            raise _invalid({"contact_ids": [_("No live contact with the id(s) %(ids)s.") % {"ids": shown}]})
        have: set[int] = set()
        for chunk in _batches(ids, REEVALUATE_CHUNK):
            have |= set(SegmentMembership.objects.filter(segment=segment, contact_id__in=chunk).values_list("contact_id", flat=True))
        entered = [cid for cid in ids if cid not in have]
        _apply(segment, entered=entered, left=[], reason=reason, actor=actor)
        Segment.objects.filter(pk=segment.pk).update(updated_at=clock.now())
    return len(entered)


def list_remove(*, segment_id: int, contact_ids: Iterable[int], reason: str = "removed by hand", actor: Any = None) -> int:
    """Removes contacts from a static list (ids not in it are ignored); how many left."""
    ids = _list_ids(contact_ids)
    with transaction.atomic():
        segment = _static(segment_id)
        have: set[int] = set()
        for chunk in _batches(ids, REEVALUATE_CHUNK):
            have |= set(SegmentMembership.objects.filter(segment=segment, contact_id__in=chunk).values_list("contact_id", flat=True))
        _apply(segment, entered=[], left=sorted(have), reason=reason, actor=actor)
        Segment.objects.filter(pk=segment.pk).update(updated_at=clock.now())
    return len(have)


def segment_freeze(*, segment_id: int, name: str, actor: Any = None) -> Segment:
    """A new static list holding a segment's current members (its stored membership), each
    joining with a history row and a `segment.entered` event (reason "frozen from segment");
    the source segment is not changed."""
    clean_name = _clean_name(name)
    with transaction.atomic():
        source = _locked(segment_id)
        now = clock.now()
        frozen = Segment.objects.create(
            kind=Segment.Kind.STATIC, name=clean_name, created_at=now, updated_at=now,
            description=_("Frozen from %(name)s") % {"name": source.name},
        )
        ids = list(SegmentMembership.objects.filter(segment=source).order_by("contact_id").values_list("contact_id", flat=True))
        _apply(frozen, entered=ids, left=[], reason="frozen from segment", actor=actor)
    frozen.refresh_from_db()
    return frozen
