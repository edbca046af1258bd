"""Turns timeline rows into readable lines: titles, old → new values, reasons, bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors
from sarnakh.contacts.choices import (
    ActivityKind,
    Channel,
    Consent,
    LeadStatus,
    ObjectType,
    SourceType,
)
from sarnakh.contacts.models import Activity, Contact

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


class _Names:
    """Lookups shared by all rows of one page, fetched once."""

    def __init__(self, activities: list[Activity]):
        self.stages = {s.key: s.display_name for s in selectors.stage_list()}
        self.fields = {f.name: str(f.verbose_name) for f in Contact._meta.get_fields() if hasattr(f, "verbose_name")}
        self.properties = {d.key: d.label for d in selectors.property_definitions(ObjectType.CONTACT)}
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


def _tag_facts(tags: dict | None) -> list[tuple[str, str]]:
    facts = []
    if tags and tags.get("added"):
        facts.append((_("Tags added"), ", ".join(tags["added"])))
    if tags and tags.get("removed"):
        facts.append((_("Tags removed"), ", ".join(tags["removed"])))
    return facts


def describe_activities(activities: list[Activity]) -> list[ActivityLine]:
    names = _Names(activities)
    lines = []
    for a in activities:
        data = a.data or {}
        actor = a.actor_label or (a.actor.get_username() if a.actor else "")
        line = ActivityLine(activity=a, title=a.get_kind_display(), actor=actor)
        if a.kind == ActivityKind.CREATED:
            line.title = _("Contact created")
            fields = data.get("fields") or {}
            line.facts = [(names.label(k), names.value(k, v)) for k, v in fields.items() if k != "properties"]
            line.facts += [(names.label(f"properties.{k}"), names.value("", v)) for k, v in (fields.get("properties") or {}).items()]
            if data.get("stage"):
                line.facts.append((_("Stage"), names.value("stage", data["stage"])))
        elif a.kind in (ActivityKind.UPDATED, ActivityKind.OWNER_CHANGED):
            if data.get("matched_on"):
                line.title = _("Updated by a new submission matching on %(field)s") % {"field": names.label(data["matched_on"])}
            line.changes = names.changes(data.get("changes"))
            line.facts = _tag_facts(data.get("tags"))
        elif a.kind == ActivityKind.TAGGED:
            line.facts = _tag_facts(data.get("tags"))
        elif a.kind == ActivityKind.STAGE_CHANGED:
            old, new = data.get("from"), data.get("to")
            if old:
                line.title = _("Stage changed: %(old)s → %(new)s") % {"old": names.value("stage", old), "new": names.value("stage", new)}
            else:
                line.title = _("Stage set to %(new)s") % {"new": names.value("stage", new)}
            line.reason = data.get("reason") or ""
            if data.get("rule"):
                line.facts.append((_("Rule"), data["rule"]))
        elif a.kind == ActivityKind.MERGED:
            line.title = _("Merged with contact #%(id)s (%(name)s)") % {"id": data.get("merged_id", "?"), "name": data.get("merged_name", "")}
            line.changes = names.changes(data.get("changes"))
            stage = data.get("stage")
            if isinstance(stage, list) and len(stage) == 2 and stage[0] != stage[1]:
                line.changes.append((_("Stage"), names.value("stage", stage[0]), names.value("stage", stage[1])))
        elif a.kind == ActivityKind.NOTE_ADDED:
            line.body = data.get("body") or ""
        lines.append(line)
    return lines
