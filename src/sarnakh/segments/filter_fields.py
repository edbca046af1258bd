"""What filters can test about segments (core.filters.fields): membership of another
segment or a static list ("in the list Trade show 2026", "not in the segment Customers").

The condition reads the stored membership of the named segments, so a segment that refers
to another follows it: re-evaluations run referenced segments first
(`references.dependency_order`), and a join or leave re-evaluates the segments that refer
to the changed one (subscribers). Cycles are refused when a segment is saved."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.filters.fields import fact_loader, field
from sarnakh.core.filters.tree import MAX_LIST_ITEMS, FilterError
from sarnakh.segments.models import Segment, SegmentMembership

SEGMENTS = _("Segments and lists")


def _segment_ids(op: str, value: Any) -> frozenset[int]:
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValueError(gettext("Choose one or more segments or lists."))
    if len(value) > MAX_LIST_ITEMS:
        raise ValueError(gettext("Enter at most %(count)s values.") % {"count": MAX_LIST_ITEMS})
    known = set(Segment.objects.filter(pk__in=value).values_list("pk", flat=True))
    for i, segment_id in enumerate(value):
        if segment_id not in known:
            raise FilterError(f"[{i}]", gettext("No segment or list with the id %(id)s.") % {"id": segment_id})
    return frozenset(value)


def _to_q(op: str, prepared: frozenset[int], now: dt.datetime) -> Q:
    members = Q(pk__in=SegmentMembership.objects.filter(segment_id__in=sorted(prepared)).values("contact_id"))
    return members if op == "in" else ~members


def _evaluate(facts: dict, op: str, prepared: frozenset[int], now: dt.datetime) -> bool:
    inside = bool(facts["segments"] & prepared)
    return inside if op == "in" else not inside


field("segment", _("In a segment or list"), group=SEGMENTS, value_type="choice", operators=("in", "not_in"),
      prepare=_segment_ids, to_q=_to_q, evaluate=_evaluate)


@fact_loader
def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {cid: {"segments": set()} for cid in contact_ids}
    for cid, segment_id in SegmentMembership.objects.filter(contact_id__in=contact_ids).values_list("contact_id", "segment_id"):
        facts[cid]["segments"].add(segment_id)
    return facts


from sarnakh.segments.hygiene import filter_fields as hygiene_filter_fields  # noqa: E402, F401 - list hygiene's address flags (core's autodiscovery finds this module only)
