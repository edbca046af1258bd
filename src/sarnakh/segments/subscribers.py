"""Segments follow the contacts: every event that may change whether a contact matches a
filter (or whether it still exists) re-evaluates the contacts it touched.

Fast for new behaviour and contact edits, so membership follows within a second of the
change; the queued delivery stays the guarantee. A large batch (an import) is handed to a
job of its own so the delivery stays short.
"""

from __future__ import annotations

from sarnakh.core.events import Envelope, subscribe
from sarnakh.core.housekeeping import periodic
from sarnakh.core.jobs import enqueue
from sarnakh.segments import services, tasks
from sarnakh.segments.selectors import any_segment

# More touched contacts than this go to a job of their own.
INLINE_LIMIT = 500

TOUCHING = (
    "contact.created", "contact.updated", "contact.stage_changed", "contact.merged", "contact.deleted",
    "behaviour.recorded", "contact.qualified", "form.submitted", "import.batch_written",
)


def touched_contacts(envelopes: list[Envelope]) -> list[int]:
    ids: set[int] = set()
    for envelope in envelopes:
        event = envelope.event
        if event.contact_id:
            ids.add(event.contact_id)
        loser = getattr(event, "loser_id", None)  # contact.merged: the merged-away one leaves
        if isinstance(loser, int) and loser:
            ids.add(loser)
        for name in ("created_ids", "updated_ids"):
            ids.update(v for v in getattr(event, name, None) or () if isinstance(v, int))
    return sorted(ids)


@subscribe(*TOUCHING, key="segments.reevaluate", fast=("behaviour.recorded", "contact.updated"),
           when=lambda names: any_segment())
def reevaluate(envelopes: list[Envelope]) -> None:
    ids = touched_contacts(envelopes)
    reason = envelopes[0].name if len({e.name for e in envelopes}) == 1 else "contact changed"
    if len(ids) > INLINE_LIMIT:
        for start in range(0, len(ids), INLINE_LIMIT * 10):
            enqueue(tasks.reevaluate_contacts, ids[start:start + INLINE_LIMIT * 10], reason)
        return
    services.segment_reevaluate_contacts(contact_ids=ids, reason=reason)


# Not an event but time: every worker's housekeeping queues the refresh of the segments due.
@periodic("segments.refresh_due", every=tasks.REFRESH_EVERY)
def queue_refresh_due() -> None:
    if any_segment():
        enqueue(tasks.refresh_due)

from sarnakh.segments.audiences import subscribers as _audiences  # noqa: E402, F401 - scheduled audience exports
