"""The timeline kinds segments writes (core.timeline): a contact joined or left a segment or
a list. Imported by SegmentsConfig.ready."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import EVENT_TYPES
from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate

# Reasons the services store as written (English keys); shown translated.
REASON_LABELS = {
    "created": gettext_noop("the segment was created"),
    "refresh": gettext_noop("a refresh"),
    "scheduled refresh": gettext_noop("the scheduled refresh"),
    "filter changed": gettext_noop("its filter changed"),
    "added by hand": gettext_noop("added by hand"),
    "removed by hand": gettext_noop("removed by hand"),
    "frozen from a segment": gettext_noop("frozen from a segment"),
    "merged": gettext_noop("the contact was merged"),
    "imported": gettext_noop("imported"),
    "segment membership changed": gettext_noop("a segment it names changed"),
}


def reason_display(reason: str) -> str:
    """A stored reason in the reader's language: a known word, a domain event's label
    (`contact.updated` → "Contact updated"), else the text as stored, isolated."""
    if reason in REASON_LABELS:
        return gettext(REASON_LABELS[reason])
    if reason in EVENT_TYPES:
        return str(EVENT_TYPES.get(reason).label)
    return isolate(reason)


def _membership(entered: bool):
    def render(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
        is_list = data.get("kind") == "static"
        if entered:
            text = gettext("Added to the list “%(name)s”") if is_list else gettext("Entered the segment “%(name)s”")
        else:
            text = gettext("Removed from the list “%(name)s”") if is_list else gettext("Left the segment “%(name)s”")
        title = mark_safe(conditional_escape(text) % {"name": isolate(data.get("segment_name") or "")})
        reason = data.get("reason") or ""
        return TimelineEntry(title=title, reason=reason_display(reason) if reason else "")

    return render


SEGMENT_ENTERED = timeline_kind("segment_entered", _("Entered a segment"), _membership(True)).key
SEGMENT_LEFT = timeline_kind("segment_left", _("Left a segment"), _membership(False)).key
