"""Segments follow the contacts: every event that may change whether a contact matches a
filter (or whether it still exists) re-evaluates the contacts it touched.

Fast for new behaviour and contact edits, so membership follows within a second of the
change; the queued delivery stays the guarantee. A large batch (an import) is handed to a
job of its own so the delivery stays short.
"""

from __future__ import annotations

from sarnakh.core.actor import Actor
from sarnakh.core.events import Envelope, subscribe
from sarnakh.core.housekeeping import periodic
from sarnakh.core.jobs import enqueue
from sarnakh.segments import selectors, services, tasks
from sarnakh.segments.selectors import any_referring_segment, any_segment, referring_segments

# More touched contacts than this go to a job of their own.
INLINE_LIMIT = 500

TOUCHING = (
    "contact.created", "contact.updated", "contact.stage_changed", "contact.merged", "contact.deleted",
    "behaviour.recorded", "contact.qualified", "contact.score_changed", "form.submitted", "import.batch_written",
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


@subscribe(*TOUCHING, key="segments.reevaluate", fast=("behaviour.recorded", "contact.updated", "contact.score_changed"),
           when=lambda names: any_segment())
def reevaluate(envelopes: list[Envelope]) -> None:
    ids = touched_contacts(envelopes)
    reason = envelopes[0].name if len({e.name for e in envelopes}) == 1 else "contact changed"
    if len(ids) > INLINE_LIMIT:
        for start in range(0, len(ids), INLINE_LIMIT * 10):
            enqueue(tasks.reevaluate_contacts, ids[start:start + INLINE_LIMIT * 10], reason)
        return
    services.segment_reevaluate_contacts(contact_ids=ids, reason=reason)


@subscribe("segment.entered", "segment.left", key="segments.follow_referenced", fast=("segment.entered", "segment.left"),
           when=lambda names: any_referring_segment())
def follow_referenced(envelopes: list[Envelope]) -> None:
    """A join or leave re-decides the same contacts in the segments whose filters name that
    segment (no cycles: refused when saved, so the chain ends)."""
    changed = {e.event.segment_id for e in envelopes}
    targets = referring_segments(changed)
    ids = sorted({e.event.contact_id for e in envelopes if e.event.contact_id})
    if not targets or not ids:
        return
    reason = "segment membership changed"
    if len(ids) > INLINE_LIMIT:
        for start in range(0, len(ids), INLINE_LIMIT * 10):
            enqueue(tasks.reevaluate_contacts, ids[start:start + INLINE_LIMIT * 10], reason, targets)
        return
    services.segment_reevaluate_contacts(contact_ids=ids, reason=reason, segment_ids=targets)


@subscribe("import.batch_written", key="segments.import_into_list", when=lambda names: any_segment())
def import_into_list(envelopes: list[Envelope]) -> None:
    """An import with a list: each written batch's created and updated contacts join it
    (a list deleted meanwhile, or contacts merged away since, are skipped)."""
    for envelope in envelopes:
        event = envelope.event
        list_id = getattr(event, "list_id", None)
        target = selectors.segment_get(list_id) if isinstance(list_id, int) else None
        if target is None or target.kind != "static":
            continue
        ids = sorted({v for name in ("created_ids", "updated_ids") for v in getattr(event, name, None) or () if isinstance(v, int)})
        for start in range(0, len(ids), services.MAX_LIST_CHANGE):
            services.list_add(segment_id=list_id, contact_ids=ids[start:start + services.MAX_LIST_CHANGE],
                              reason="imported", actor=Actor(source="import", label=envelope.actor), skip_gone=True)


@subscribe("scoring.rescored", key="segments.refresh_after_rescore", when=lambda names: any_segment())
def refresh_after_rescore(envelopes: list[Envelope]) -> None:
    """A model re-scored everyone at once (no per-contact events): rebuild the segments."""
    enqueue(tasks.refresh_all)


# Not an event but time: every worker's housekeeping queues the refresh of the segments due.
@periodic("segments.refresh_due", every=tasks.REFRESH_EVERY)
def queue_refresh_due() -> None:
    if any_segment():
        enqueue(tasks.refresh_due)

from sarnakh.segments.audiences import subscribers as _audiences  # noqa: E402, F401 - scheduled audience exports
