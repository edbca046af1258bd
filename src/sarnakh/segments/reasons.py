"""Why a contact joined or left a segment, as the reader sees it: the services store the
reason as written (an English key or a domain event's name); pages and the timeline show
it translated."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import EVENT_TYPES

REASON_LABELS = {
    "created": _("the segment was created"),
    "refresh": _("a refresh"),
    "scheduled refresh": _("the scheduled refresh"),
    "filter changed": _("its filter changed"),
    "added by hand": _("added by hand"),
    "removed by hand": _("removed by hand"),
    "frozen from segment": _("frozen from a segment"),
    "imported": _("imported"),
    "demo": _("demo data"),
    "segment membership changed": _("a segment it names changed"),
}


def reason_label(reason: str) -> str:
    """The translated reason, or "" for one stored as free text (shown as user data)."""
    if reason in REASON_LABELS:
        return str(REASON_LABELS[reason])
    if reason in EVENT_TYPES:
        return str(EVENT_TYPES.get(reason).label)
    return ""
