"""Demo data for retargeting audiences: a static list of demo contacts and one Google
audience on it, exported once (called by `sarnakh demo` after the contacts exist)."""

from __future__ import annotations

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.segments import selectors as segment_selectors
from sarnakh.segments import services as segment_services
from sarnakh.segments.audiences import selectors, services

DEMO_LIST = "Retargeting demo list"
DEMO_AUDIENCE = "Pricing readers (Google)"
DEMO_MEMBERS = 120


def load_audience_demo() -> str:
    """Idempotent: a second run finds the audience and leaves it."""
    if any(a.name == DEMO_AUDIENCE for a in selectors.audience_list()):
        return "Audience demo already loaded."
    segment = next((s for s in segment_selectors.segment_list() if s.name == DEMO_LIST), None)
    if segment is None:
        segment = segment_services.segment_create(name=DEMO_LIST, kind="static",
                                                  description="Demo contacts for the retargeting audience example.")
        ids = list(contact_selectors.live_contacts().order_by("id").values_list("pk", flat=True)[:DEMO_MEMBERS])
        segment_services.list_add(segment_id=segment.pk, contact_ids=ids, reason="demo")
    audience = services.audience_create(segment_id=segment.pk, name=DEMO_AUDIENCE, platform="google",
                                        identifiers=["email", "phone", "name"], schedule="weekly")
    export = services.export_now(audience_id=audience.pk, trigger="manual")
    return f"Audience demo: {export.exported} of {export.members} list members exported for Google ({sum(export.excluded.values())} left out)."
