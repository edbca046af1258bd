"""What contacts itself adds through the contact page's registries: its timeline kinds
with the way each reads (core.timeline), and the first-touch card recorded on the contact,
shown when no app has a better one (tracking's touches; core.contact_page). Imported by
ContactsConfig.ready."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.contacts.choices import ActivityKind
from sarnakh.core.contact_page import contact_card
from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import format_message, format_number, isolate

FIRST_TOUCH_GROUP = "first_touch"  # cards that tell how the contact came: one is shown


def _tag_facts(tags: dict | None) -> list[tuple[str, str]]:
    facts = []
    if tags and tags.get("added"):
        facts.append((_("Tags added"), ", ".join(tags["added"])))
    if tags and tags.get("removed"):
        facts.append((_("Tags removed"), ", ".join(tags["removed"])))
    return facts


def _created(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    entry = TimelineEntry(title=_("Contact created"))
    fields = data.get("fields") or {}
    entry.facts = [(values.label(k), values.value(k, v)) for k, v in fields.items() if k != "properties"]
    entry.facts += [(values.label(f"properties.{k}"), values.value("", v)) for k, v in (fields.get("properties") or {}).items()]
    if data.get("stage"):
        entry.facts.append((_("Stage"), values.value("stage", data["stage"])))
    return entry


def _changed(label: Any):
    def render(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
        entry = TimelineEntry(title=str(label))
        if data.get("matched_on"):
            entry.title = _("Updated by a new submission matching on %(field)s") % {"field": values.label(data["matched_on"])}
        entry.changes = values.changes(data.get("changes"))
        entry.facts = _tag_facts(data.get("tags"))
        return entry

    return render


def _tagged(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    return TimelineEntry(title=str(ActivityKind.TAGGED.label), facts=_tag_facts(data.get("tags")))


def _stage_changed(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    old, new = data.get("from"), data.get("to")
    if old:
        title = _("Stage changed: %(old)s → %(new)s") % {"old": values.value("stage", old), "new": values.value("stage", new)}
    else:
        title = _("Stage set to %(new)s") % {"new": values.value("stage", new)}
    entry = TimelineEntry(title=title, reason=data.get("reason") or "")
    if data.get("rule"):
        entry.facts.append((_("Rule"), data["rule"]))
    return entry


def _merged(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    entry = TimelineEntry(
        title=format_message(
            _("Merged with contact #%(id)s (%(name)s)"), id=format_number(data.get("merged_id", "?")), name=isolate(data.get("merged_name", ""))
        ),
        changes=values.changes(data.get("changes")),
    )
    stage = data.get("stage")
    if isinstance(stage, list) and len(stage) == 2 and stage[0] != stage[1]:
        entry.changes.append((_("Stage"), values.value("stage", stage[0]), values.value("stage", stage[1])))
    return entry


def _note_added(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    return TimelineEntry(title=str(ActivityKind.NOTE_ADDED.label), body=data.get("body") or "")


timeline_kind(ActivityKind.CREATED.value, ActivityKind.CREATED.label, _created)
timeline_kind(ActivityKind.UPDATED.value, ActivityKind.UPDATED.label, _changed(ActivityKind.UPDATED.label))
timeline_kind(ActivityKind.OWNER_CHANGED.value, ActivityKind.OWNER_CHANGED.label, _changed(ActivityKind.OWNER_CHANGED.label))
timeline_kind(ActivityKind.TAGGED.value, ActivityKind.TAGGED.label, _tagged)
timeline_kind(ActivityKind.STAGE_CHANGED.value, ActivityKind.STAGE_CHANGED.label, _stage_changed)
timeline_kind(ActivityKind.MERGED.value, ActivityKind.MERGED.label, _merged)
timeline_kind(ActivityKind.NOTE_ADDED.value, ActivityKind.NOTE_ADDED.label, _note_added)

contact_card(
    key="first_touch", label=gettext_lazy("First touch"), slot="side", order=90, group=FIRST_TOUCH_GROUP,
    template="contacts/_first_touch.html", context=lambda request, contact: {},
)
