"""Timeline rows as the contact page shows them: each row's registered kind renders it
(core.timeline) with the names and values this module looks up once per page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors
from sarnakh.contacts.choices import Consent, LeadStatus, ObjectType
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core.actor import actor_display
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.timeline import render_entry
from sarnakh.core.ui.formatting import url_link

# Shown decoded for reading, linked as stored (core.ui.formatting.url_link).
URL_FIELDS = {"landing_page", "referrer"}
CHOICE_LABELS = {
    "lead_status": dict(LeadStatus.choices),
    "source_type": dict(SourceType.choices),
    "channel": dict(Channel.choices),
    "consent": dict(Consent.choices),
}


@dataclass
class ActivityLine:
    activity: Activity
    title: str
    actor: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # label, old, new
    facts: list[tuple[str, str]] = field(default_factory=list)  # label, value
    reason: str = ""
    body: str = ""


class PageValues:
    """Lookups shared by all rows of one page, fetched once (core.timeline.TimelineValues)."""

    def __init__(self, activities: list[Activity]):
        self.stages = {s.key: s.display_name for s in selectors.stage_list()}
        self.fields = {f.name: str(f.verbose_name) for f in Contact._meta.get_fields() if hasattr(f, "verbose_name")}
        self.properties = {d.key: d.display_label for d in selectors.property_definitions(ObjectType.CONTACT)}
        user_ids = set()
        for a in activities:
            data = a.data or {}
            owner = (data.get("changes") or {}).get("owner")
            if isinstance(owner, list):
                user_ids.update(v for v in owner if isinstance(v, int))
            created_owner = (data.get("fields") or {}).get("owner")
            if isinstance(created_owner, int):
                user_ids.add(created_owner)
        self.users = {u.pk: u.get_full_name() or u.get_username() for u in get_user_model().objects.filter(pk__in=user_ids)}

    def label(self, name: str) -> str:
        if name.startswith("properties."):
            key = name.removeprefix("properties.")
            return self.properties.get(key, key)
        name = name.removesuffix("_id")
        return capfirst(self.fields.get(name, name.replace("_", " ")))

    def value(self, name: str, value: Any) -> str:
        name = name.removesuffix("_id")
        if value is None or value == "" or value == []:
            return "—"
        if name in URL_FIELDS:
            return url_link(value)
        if name == "stage":
            return self.stages.get(value, str(value))
        if name == "owner":
            return self.users.get(value, str(value)) if isinstance(value, int) else str(value)
        if name in CHOICE_LABELS:
            return str(CHOICE_LABELS[name].get(value, value))
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        return str(value)

    def changes(self, changes: dict) -> list[tuple[str, str, str]]:
        rows = []
        for name, pair in (changes or {}).items():
            old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            rows.append((self.label(name), self.value(name, old), self.value(name, new)))
        return rows


def describe_activities(activities: list[Activity]) -> list[ActivityLine]:
    values = PageValues(activities)
    lines = []
    for a in activities:
        entry = render_entry(a.kind, a.data, values)
        actor = actor_display(a.actor_label or (a.actor.get_username() if a.actor else ""))
        lines.append(ActivityLine(
            activity=a, title=entry.title, actor=actor, changes=entry.changes, facts=entry.facts, reason=entry.reason, body=entry.body,
        ))
    return lines
