"""The timeline kinds segments writes (core.timeline): a contact joined or left a segment or
a list. Imported by SegmentsConfig.ready."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.contact_page import contact_card
from sarnakh.core.roles import can
from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate
from sarnakh.segments.reasons import reason_label
from sarnakh.segments.selectors import segments_of_contact

MAX_CARD_ROWS = 20

def reason_display(reason: str) -> str:
    """A stored reason in the reader's language, else the text as stored, isolated."""
    return reason_label(reason) or isolate(reason)


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


def _segments_card(request, contact) -> dict | None:
    """The segments and lists the contact is in now, newest first (hidden when none, or
    for someone who may not see segments)."""
    if not can(request.user, "segments.view"):
        return None
    memberships = sorted(segments_of_contact(contact.pk), key=lambda m: (m.entered_at, m.segment_id), reverse=True)
    if not memberships:
        return None
    return {"segment_memberships": [
        {"id": m.segment_id, "name": m.segment.name, "is_list": m.segment.kind == "static", "since": m.entered_at,
         "reason": reason_display(m.reason) if m.reason else ""}
        for m in memberships[:MAX_CARD_ROWS]
    ], "segment_membership_more": max(0, len(memberships) - MAX_CARD_ROWS)}


contact_card(key="segments", label=_("Segments and lists"), slot="side", order=30,
             template="segments/_contact_segments.html", context=_segments_card)
