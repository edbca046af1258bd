"""Background entry points for scoring, and the hooks that keep scores real-time.

- New behaviour: the event processor calls `on_events_processed` after its chunk
  committed, in the processor's thread (embedded server or scale-out worker). Scores are
  refreshed right there: it is already off the request path, and a job would add a worker
  poll to the event-to-MQL latency. A contact whose refresh fails gets a job (a retry).
- Changed fields: `contacts.services` calls `on_contact_changed` after commit in the
  request that changed them; it only enqueues `score_contacts`, so the request stays fast.
- Imports: the batch writer calls `on_contacts_imported` inside each batch's transaction;
  one job per batch scores its contacts (an outbox: it exists exactly when the batch did).
- Merges: the loser's current scores go; the survivor is re-scored by a job enqueued
  inside the merge transaction.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task

from sarnakh.contacts import services as contact_services
from sarnakh.contacts.merge import merge_hooks
from sarnakh.core.jobs import enqueue
from sarnakh.scoring import services
from sarnakh.tracking import processor

logger = logging.getLogger("sarnakh.scoring")


@task()
def score_contacts(contact_ids: list[int]) -> int:
    """Refreshes the scores of these contacts with every active model; idempotent."""
    done = 0
    for contact_id in contact_ids:
        if services.contact_score_refresh(contact_id=contact_id):
            done += 1
    return done


@task()
def rescore_model(run_id: int) -> int:
    """A bulk re-score run (see rescore.py); returns how many contacts it scored."""
    from sarnakh.scoring.rescore import rescore_execute

    run = rescore_execute(run_id)
    return run.total if run is not None else 0


@task()
def act_on_crossings(model_id: int, contact_ids: list[int]) -> int:
    """Stage moves and `became_mql` events for contacts a bulk re-score found crossing."""
    return services.crossings_act(model_id=model_id, contact_ids=contact_ids)


def _enqueue(contact_ids: list[int]) -> None:
    with transaction.atomic():
        enqueue(score_contacts, sorted(contact_ids))


def on_events_processed(contact_ids: set[int]) -> None:
    failed = []
    for contact_id in sorted(contact_ids):
        try:
            services.contact_score_refresh(contact_id=contact_id)
        except Exception:  # one contact's failure must not stop the others; the job retries it
            logger.exception("scoring contact %s after new events failed; queued for retry", contact_id)
            failed.append(contact_id)
    if failed:
        _enqueue(failed)


def on_contact_changed(contact_id: int) -> None:
    _enqueue([contact_id])


def on_contact_merged(*, loser_id: int, survivor_id: int) -> None:
    services.contact_scores_forget(contact_id=loser_id)
    enqueue(score_contacts, [survivor_id])


def on_contacts_imported(contact_ids: list[int]) -> None:
    """An import batch: one job for its contacts, queued in the batch's own transaction."""
    enqueue(score_contacts, sorted(set(contact_ids)))


def register_hooks() -> None:
    """Subscribes to tracking, contact changes and merges (once, however often called)."""
    for hooks, hook in (
        (processor.after_process_hooks, on_events_processed),
        (contact_services.contact_changed_hooks, on_contact_changed),
        (contact_services.contacts_bulk_changed_hooks, on_contacts_imported),
        (merge_hooks, on_contact_merged),
    ):
        if hook not in hooks:
            hooks.append(hook)
