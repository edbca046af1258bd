"""Demo segments and a static list for the demo data (`sarnakh demo`), made through the
services so every segment screen has something to show: the issue's example segment and a
few others that match some demo contacts, and a hand-made list of VIP contacts."""

from __future__ import annotations

import datetime as dt

from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.filters.compile import matching_contacts
from sarnakh.segments import selectors, services
from sarnakh.segments.models import SegmentMembership, SegmentMembershipChange

DEMO_SEGMENTS = [
    ("سرنخ‌های میانه‌ی قیف که این دو هفته دو بار قیمت‌ها را دیدند",
     "MOFU leads who read pricing twice this fortnight, fit A/B, not customers",
     {"match": "all", "conditions": [
         {"field": "stage", "op": "in", "value": ["lead", "mql", "sql"]},
         {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
         {"field": "grade", "op": "gte", "value": "B"},
         {"match": "all", "not": True, "conditions": [{"field": "stage", "op": "eq", "value": "customer"}]},
     ]}),
    ("سرنخ‌های تازه‌ی MQL", "Became MQL in the last 30 days",
     {"match": "all", "conditions": [{"field": "stage_reached:mql", "op": "in_last_days", "value": 30}]}),
    ("مشترکان خبرنامه‌ی درگیر", "Newsletter readers with engagement of 20 or more",
     {"match": "all", "conditions": [
         {"field": "tags", "op": "in", "value": ["newsletter", "خبرنامه"]},
         {"field": "engagement", "op": "gte", "value": 20},
     ]}),
    ("سرد شده‌ها", "Leads with no page view in 90 days",
     {"match": "all", "conditions": [
         {"field": "stage", "op": "in", "value": ["lead", "mql"]},
         {"field": "page_views", "op": "fewer_than", "value": {"times": 1, "days": 90}},
     ]}),
]
VIP_LIST = ("مشتریان ویژه برای پیگیری", "VIP contacts to call this month (a static list)")


def load_segments_demo() -> str:
    """Makes the demo segments and list once (nothing when any segment exists)."""
    if selectors.any_segment():
        return "Demo segments skipped: segments exist."
    made = [services.segment_create(name=name, description=description, filter=tree)
            for name, description, tree in DEMO_SEGMENTS]
    vip = services.segment_create(name=VIP_LIST[0], description=VIP_LIST[1], kind="static")
    tagged = {"match": "all", "conditions": [{"field": "tags", "op": "in", "value": ["vip"]}]}
    ids = list(matching_contacts(tagged).order_by("pk").values_list("pk", flat=True)[:200])
    if ids:
        services.list_add(segment_id=vip.pk, contact_ids=ids, actor=Actor.system("demo"))
        services.list_remove(segment_id=vip.pk, contact_ids=ids[::9], actor=Actor.system("demo"))
        _spread_history(vip.pk, days=75)
    counts = ", ".join(str(s.member_count) for s in made)
    vip.refresh_from_db()
    return f"Demo segments: {len(made)} (members {counts}) and a static list of {vip.member_count} VIP contacts."


def _spread_history(segment_id: int, *, days: int) -> None:
    """Demo only: the list was built by hand over the last `days` days, so its chart has a
    history. Each join moves to a day of its own (by contact id, the same every run), each
    leave to some days after that join; the membership rows keep their join's time."""
    now = clock.now()
    joined: dict[int, dt.datetime] = {}
    for change in SegmentMembershipChange.objects.filter(segment_id=segment_id).order_by("id"):
        if change.change == "entered":
            change.at = now - dt.timedelta(days=days - (change.contact_id * 7) % days, hours=change.contact_id % 9)
            joined[change.contact_id] = change.at
        else:
            change.at = min(now, joined.get(change.contact_id, now) + dt.timedelta(days=3 + change.contact_id % 20))
        change.save(update_fields=["at"])
    for membership in SegmentMembership.objects.filter(segment_id=segment_id):
        membership.entered_at = joined.get(membership.contact_id, membership.entered_at)
        membership.save(update_fields=["entered_at"])
