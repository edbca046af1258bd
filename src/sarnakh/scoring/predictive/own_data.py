"""Sarnakh's own history as a table for the predictive model: one row per live contact.

The target is "reached the chosen stage" (default `customer`) according to the stage
history. For a funnel stage, reaching any later funnel stage counts too (a contact moved
straight from SQL to customer did pass "opportunity" in every sense that matters).

Leakage guard — every row describes the contact *as of* one moment:

- a contact that reached the target: the moment it first reached it. We chose that over
  the MQL moment because it asks the question the team asks ("what did the people who
  bought look like before they bought?") for every target stage, including targets below
  MQL, and it keeps everything known before the outcome;
- every other contact: now.

Property values set or changed at or after that moment are replaced by the value they
had just before it, read from the property history (the `updated` and `merged` timeline
rows, whose `changes` hold `[old, new]` per field). Engagement aggregates count only
events, sessions and form submissions strictly before it. The lifecycle stage, lead
status, owner and scores are never features: they are the outcome or follow from it.

Rows the model must not learn from keep an empty target (they are still scored):
contacts created at or after `created_before` (too young to have had their chance; by
default the last 30 days), and contacts that were already at the target when they were
created (imported customers tell nothing about conversion).

Company fields are the company's current values: companies keep no property history.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count, Min

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.contacts.selectors import ActivityKind, StageKind
from sarnakh.core import clock
from sarnakh.core.normalize import email_domain, is_free_mail_domain
from sarnakh.core.urls import host_of
from sarnakh.tracking import selectors as tracking_selectors
from sarnakh.tracking.selectors import EventType

from .features import DataError, Table

TARGET = "reached_target"
ORDER = "created_at"
DEFAULT_MIN_AGE_DAYS = 30
TOP_EVENT_NAMES = 10
CHUNK = 5000
# Pricing-like pages: the brief's strongest buying signal (prices, plans, tariffs).
PRICING_PATH = re.compile(r"pric|/plans?(/|$)|قیمت|تعرفه", re.IGNORECASE)
CONTACT_FIELDS = ("job_title", "country", "language", "source_type", "channel", "utm_source", "utm_medium", "utm_campaign", "consent")
COMPANY_FIELDS = ("industry", "employee_band", "revenue_band", "country")
# Fields read from the contact row; the property history may rewind any of them.
REWINDABLE = (*CONTACT_FIELDS, "referrer", "landing_page", "email", "phone")

FORM_SUBMITTED_KIND = "form_submitted"  # capture's timeline kind (core.timeline)


@dataclass
class OwnData:
    table: Table
    contact_ids: np.ndarray
    labelled: np.ndarray  # bool: the row has a target value (is learned from)
    reached: np.ndarray  # bool: the contact reached the target (at as_of)
    as_of: list[dt.datetime]
    target_stage: str
    reached_stages: list[str]
    created_before: dt.datetime
    counts: dict = field(default_factory=dict)


def target_stages(target_stage: str) -> list[str]:
    """The stage keys that count as having reached `target_stage`."""
    stages = contact_selectors.stage_list()
    target = next((s for s in stages if s.key == target_stage), None)
    if target is None:
        raise DataError(f"unknown stage {target_stage!r}; use one of: {', '.join(s.key for s in stages)}")
    if target.kind != StageKind.FUNNEL:
        return [target.key]
    return [s.key for s in stages if s.kind == StageKind.FUNNEL and s.order >= target.order]


def _text(value) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        return ", ".join(str(v) for v in sorted(map(str, value)))
    return str(value)


def _email_kind(email: str) -> str:
    if not email:
        return "none"
    domain = email_domain(email)
    return "free" if not domain or is_free_mail_domain(domain) else "company"


def _path(url: str) -> str:
    path = (url or "").split("?", 1)[0].split("#", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    return path.rstrip("/") or ("/" if url else "")


def _rewind(contact_ids: list[int], as_of: dict[int, dt.datetime]) -> dict[int, dict[str, object]]:
    """Per contact, the fields whose value changed at or after its as-of moment, with the
    value they had just before it: the `old` side of the earliest such change."""
    before: dict[int, dict[str, object]] = defaultdict(dict)
    for start in range(0, len(contact_ids), CHUNK):
        part = contact_ids[start:start + CHUNK]
        earliest = min(as_of[c] for c in part)
        rows = (
            contact_selectors.activities().filter(contact_id__in=part, kind__in=[ActivityKind.UPDATED, ActivityKind.MERGED], occurred_at__gte=earliest)
            .order_by("occurred_at", "id").values_list("contact_id", "occurred_at", "data")
        )
        for contact_id, at, data in rows.iterator(chunk_size=2000):
            if at < as_of[contact_id]:
                continue
            changes = (data or {}).get("changes") or {}
            for name, pair in changes.items():
                if isinstance(pair, list) and len(pair) == 2 and name not in before[contact_id]:
                    before[contact_id][name] = pair[0]
    return before


def _engagement(ids: list[int], as_of: dict[int, dt.datetime], top_names: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """Counts per contact from its behaviour strictly before its as-of moment."""
    position = {c: i for i, c in enumerate(ids)}
    n = len(ids)
    names = [
        row["name"] for row in tracking_selectors.human_events().filter(contact__isnull=False, type=EventType.TRACK).exclude(name="")
        .values("name").annotate(n=Count("id")).order_by("-n", "name")[:top_names]
    ]
    name_index = {name: i for i, name in enumerate(names)}
    page_views, pricing, events = np.zeros(n), np.zeros(n), np.zeros(n)
    by_name = np.zeros((n, len(names)))
    days: dict[int, set] = defaultdict(set)
    for start in range(0, n, CHUNK):
        part = ids[start:start + CHUNK]
        rows = tracking_selectors.human_events().filter(contact_id__in=part).exclude(type=EventType.IDENTIFY).values_list(
            "contact_id", "occurred_at", "type", "name", "path",
        )
        for contact_id, at, kind, name, path in rows.iterator(chunk_size=5000):
            if at >= as_of[contact_id]:
                continue
            i = position[contact_id]
            days[i].add(at.date())
            if kind == EventType.PAGE_VIEW:
                page_views[i] += 1
                if PRICING_PATH.search(path or ""):
                    pricing[i] += 1
            else:
                events[i] += 1
                if name in name_index:
                    by_name[i, name_index[name]] += 1
    sessions, forms = np.zeros(n), np.zeros(n)
    for start in range(0, n, CHUNK):
        part = ids[start:start + CHUNK]
        for contact_id, at in tracking_selectors.human_sessions().filter(contact_id__in=part).values_list("contact_id", "started_at").iterator(chunk_size=5000):
            if at < as_of[contact_id]:
                sessions[position[contact_id]] += 1
        forms_rows = contact_selectors.activities().filter(contact_id__in=part, kind=FORM_SUBMITTED_KIND).values_list("contact_id", "occurred_at")
        for contact_id, at in forms_rows.iterator(chunk_size=5000):
            if at < as_of[contact_id]:
                forms[position[contact_id]] += 1
    columns = {
        "page_views": page_views, "pricing_page_views": pricing, "custom_events": events,
        "sessions": sessions, "days_active": np.array([len(days.get(i, ())) for i in range(n)], dtype=float),
        "forms_submitted": forms,
    }
    for name, i in name_index.items():
        columns[f"event: {name}"] = by_name[:, i]
    return columns, names


def build_own_data(
    *, target_stage: str = "customer", now: dt.datetime | None = None, created_before: dt.datetime | None = None,
    min_age_days: int = DEFAULT_MIN_AGE_DAYS, top_event_names: int = TOP_EVENT_NAMES,
) -> OwnData:
    """Every live contact as one row of strings (see the module docstring)."""
    now = now or clock.now()
    created_before = created_before or (now - dt.timedelta(days=min_age_days))
    reached_stages = target_stages(target_stage)
    contacts = list(
        contact_selectors.live_contacts().order_by("id").values_list(
            "id", "created_at", "company_id", "properties", *REWINDABLE,
        )
    )
    if not contacts:
        raise DataError("there are no contacts to learn from")
    ids = [row[0] for row in contacts]
    reached_at = dict(
        contact_selectors.stage_changes().filter(to_stage__in=reached_stages, contact__merged_into__isnull=True)
        .values("contact_id").annotate(first=Min("changed_at")).values_list("contact_id", "first")
    )
    born_there = set(
        contact_selectors.stage_changes().filter(from_stage="", to_stage__in=reached_stages, contact__merged_into__isnull=True).values_list("contact_id", flat=True)
    )
    as_of = {cid: reached_at.get(cid, now) for cid in ids}
    rewound = _rewind(sorted(reached_at.keys() & set(ids)), as_of)
    companies = {c["id"]: c for c in contact_selectors.companies().values("id", "name", *COMPANY_FIELDS)}
    company_by_name = {c["name"]: c for c in companies.values()}

    n = len(ids)
    cells: dict[str, list] = defaultdict(lambda: [None] * n)
    target, order = [None] * n, [None] * n
    labelled, reached = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    rewound_values = 0
    for i, (cid, created_at, company_id, properties, *values) in enumerate(contacts):
        row = dict(zip(REWINDABLE, values, strict=True))
        props = dict(properties or {})
        company = companies.get(company_id)
        for name, old in rewound.get(cid, {}).items():
            rewound_values += 1
            if name in row:
                row[name] = old if old is not None else ""
            elif name.startswith("properties."):
                props[name.removeprefix("properties.")] = old
            elif name == "company":
                company = company_by_name.get(old) if old else None
        for name in CONTACT_FIELDS:
            cells[name][i] = _text(row[name])
        cells["referrer_host"][i] = host_of(row["referrer"]) or None
        cells["landing_page"][i] = _path(row["landing_page"]) or None
        cells["email_kind"][i] = _email_kind(row["email"])
        cells["has_phone"][i] = "yes" if row["phone"] else "no"
        for name in COMPANY_FIELDS:
            cells[f"company_{name}"][i] = _text(company[name]) if company else None
        for key, value in props.items():
            cells[f"property: {key}"][i] = _text(value)
        is_reached = cid in reached_at
        reached[i] = is_reached
        if created_at < created_before and cid not in born_there:
            labelled[i] = True
            target[i] = "1" if is_reached else "0"
        order[i] = created_at.isoformat()
    engagement, event_names = _engagement(ids, as_of, top_event_names)
    columns = {name: np.array(values, dtype=object) for name, values in cells.items()}
    columns.update({name: np.array([str(int(v)) for v in values], dtype=object) for name, values in engagement.items()})
    columns[ORDER] = np.array(order, dtype=object)
    columns[TARGET] = np.array(target, dtype=object)
    table = Table(columns=list(columns), cells=columns)
    counts = {
        "contacts": n, "labelled": int(labelled.sum()), "positives": int((labelled & reached).sum()),
        "reached": int(reached.sum()), "too_recent": int(sum(1 for r in contacts if r[1] >= created_before)),
        "created_at_target": len(born_there & set(ids)), "rewound_values": rewound_values, "event_names": event_names,
    }
    return OwnData(
        table=table, contact_ids=np.array(ids), labelled=labelled, reached=reached, as_of=[as_of[c] for c in ids],
        target_stage=target_stage, reached_stages=reached_stages, created_before=created_before, counts=counts,
    )
