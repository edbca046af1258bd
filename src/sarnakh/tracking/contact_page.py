"""What tracking adds to the contact page (core.contact_page, core.timeline): the touches
card, the contact's visits and back-end events on the timeline, and the timeline kinds it
writes. Imported by TrackingConfig.ready."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sarnakh.core.contact_page import TimelineItem, contact_card, timeline_source
from sarnakh.core.timeline import timeline_kind
from sarnakh.tracking import selectors

IDENTIFIED = timeline_kind("identified", _("Visitor identified")).key
EVENT = timeline_kind("event", _("Event")).key


def _touches(request, contact) -> dict | None:
    touches = selectors.contact_touches(contact.pk)
    return {"touches": touches} if touches.count else None


def _visits(contact_id: int, *, before, limit: int) -> tuple[list[TimelineItem], bool]:
    sessions, more = selectors.contact_sessions(contact_id, before=before, limit=limit)
    return [TimelineItem(at=s.last_event_at, id=s.pk, obj=s) for s in sessions], more is not None


def _events(contact_id: int, *, before, limit: int) -> tuple[list[TimelineItem], bool]:
    events, more = selectors.contact_standalone_events(contact_id, before=before, limit=limit)
    return [TimelineItem(at=e.occurred_at, id=e.pk, obj=e) for e in events], more is not None


# Shown instead of the first touch recorded on the contact (contacts' card of the same group).
contact_card(
    key="touches", label=_("Touches"), slot="side", order=10, group="first_touch",
    template="tracking/_contact_touches.html", context=_touches,
)
# Within one instant: the contact's own rows, then back-end events, then visits (a visit's
# time is its last event, so the contact a form created sits just below its visit).
timeline_source(key="event", label=_("Event"), rank=1, template="tracking/_contact_event.html", items=_events)
timeline_source(key="session", label=_("Visits"), rank=2, template="tracking/_contact_session.html", items=_visits)
