"""Demo segments and a static list for the demo data (`sarnakh demo`), made through the
services so every segment screen has something to show: the issue's example segment and a
few others that match some demo contacts, and a hand-made list of VIP contacts."""

from __future__ import annotations

from sarnakh.core.actor import Actor
from sarnakh.core.filters.compile import matching_contacts
from sarnakh.segments import selectors, services

DEMO_SEGMENTS = [
    ("سرنخ‌های میانه‌ی قیف که این دو هفته دو بار قیمت‌ها را دیدند",
     "MOFU leads who read pricing twice this fortnight, fit A/B, not customers",
     {"match": "all", "conditions": [
         {"field": "stage", "op": "in", "value": ["lead", "mql", "sql"]},
         {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
         {"field": "grade", "op": "gte", "value": "B"},
         {"match": "all", "not": True, "conditions": [{"field": "stage", "op": "eq", "value": "customer"}]},
     ]}),
    ("MQLهای تازه", "Became MQL in the last 30 days",
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
    counts = ", ".join(str(s.member_count) for s in made)
    return f"Demo segments: {len(made)} (members {counts}) and a static list of {len(ids)} VIP contacts."
