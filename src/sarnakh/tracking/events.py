"""Domain events of the tracking app (core.events)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("behaviour.recorded", label=_("Behaviour recorded"))
@dataclass(frozen=True, kw_only=True)
class BehaviourRecorded(DomainEvent):
    """New tracked behaviour of a contact, processed in one chunk: page views, custom
    events, clicks (bots left out). Events another app recorded itself (a form
    submission's `form_submitted`) are announced by that app, not here."""

    events: int = 0
    names: list = field(default_factory=list)  # distinct event names, page_view included
    last_at: str = ""
    # or "merged": a merged-away contact's behaviour moved to this one; or "recorded": another
    # app recorded it (mail: email opens, clicks and bounces, services.contact_events_record)
    via: str = "processed"
