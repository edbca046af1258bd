"""How scoring reacts to other apps' domain events (core.events): each contact a change
touched is re-scored once per transaction, whatever and however many events it published.

New behaviour is scored in-process right after the event processor's chunk commits (it is
already off the request path, and a worker poll would add to the event-to-MQL latency);
everything else goes through the delivery job, so an API request stays quick. Large
batches (imports) are scored by jobs of their own, in chunks, so no delivery holds the
write lock for a whole batch."""

from __future__ import annotations

from sarnakh.core.events import Envelope, subscribe
from sarnakh.core.jobs import enqueue
from sarnakh.scoring import services
from sarnakh.scoring.tasks import score_contacts

INLINE_LIMIT = 50
JOB_CHUNK = 1000


@subscribe(
    "contact.created", "contact.updated", "contact.merged", "contact.deleted", "form.submitted", "behaviour.recorded",
    "import.batch_written", fast=("behaviour.recorded",),
)
def rescore_touched_contacts(envelopes: list[Envelope]) -> None:
    touched: set[int] = set()
    gone: set[int] = set()
    for envelope in envelopes:
        event = envelope.event
        if envelope.name == "import.batch_written":
            touched.update(event.created_ids)
            touched.update(event.updated_ids)
        elif envelope.name == "contact.merged":
            gone.add(event.loser_id)
            touched.add(event.contact_id)
        elif envelope.name == "contact.deleted":
            gone.add(event.contact_id)
        elif event.contact_id is not None:
            touched.add(event.contact_id)
    for contact_id in sorted(gone):
        services.contact_scores_forget(contact_id=contact_id)
    ids = sorted(touched - gone)
    if len(ids) > INLINE_LIMIT:
        for start in range(0, len(ids), JOB_CHUNK):
            enqueue(score_contacts, ids[start:start + JOB_CHUNK])
        return
    for contact_id in ids:
        services.contact_score_refresh(contact_id=contact_id)
