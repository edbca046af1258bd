"""Bulk re-scores after a rule change: a `RescoreRun` row records progress, a job runs it.

`rescore_start` creates the run and queues its job in one transaction (an outbox), so a
saved rule change is always followed by its re-score, even across a crash.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from sarnakh.core import clock
from sarnakh.core.jobs import enqueue
from sarnakh.core.workers import current_worker_id, may_take_over
from sarnakh.scoring.models import RescoreRun
from sarnakh.scoring.services import scoring_model_for

logger = logging.getLogger("sarnakh.scoring")


def rescore_start(*, model_key: str | None = None, user: Any = None) -> RescoreRun:
    """Queues a bulk re-score of every live contact under the model's current version."""
    from sarnakh.scoring.tasks import rescore_model

    model = scoring_model_for(model_key)
    with transaction.atomic():
        run = RescoreRun.objects.create(
            model=model, version=model.current_version, created_at=clock.now(),
            created_by=user if getattr(user, "pk", None) else None,
        )
        enqueue(rescore_model, run.pk)
    return run


def rescore_execute(run_id: int) -> RescoreRun | None:
    """Runs a queued run to the end (the job's body); a finished run is left alone, and so
    is one a live worker is running."""
    from sarnakh.scoring import bulk

    with transaction.atomic():
        run = RescoreRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status in (RescoreRun.DONE, RescoreRun.FAILED):
            return run
        if run.status == RescoreRun.RUNNING and not may_take_over(run.worker_id):
            return run  # a live worker runs it: this is a second job for the same run
        # A run whose worker died starts over: writes are idempotent, the phases are not checkpointed.
        run.status, run.started_at, run.done, run.worker_id = RescoreRun.RUNNING, clock.now(), 0, current_worker_id()
        run.save(update_fields=["status", "started_at", "done", "worker_id"])
    run = RescoreRun.objects.select_related("model", "version").get(pk=run_id)

    def progress(done: int, total: int, phase: str) -> None:
        RescoreRun.objects.filter(pk=run.pk).update(done=done, total=total, phase=phase)

    try:
        outcome = bulk.rescore_model(run.model, progress=progress)
    except Exception as exc:
        logger.exception("bulk re-score %s failed", run.pk)
        RescoreRun.objects.filter(pk=run.pk).update(status=RescoreRun.FAILED, error=str(exc)[:2000], finished_at=clock.now())
        raise
    RescoreRun.objects.filter(pk=run.pk).update(
        status=RescoreRun.DONE, total=outcome.total, done=outcome.total, changed=outcome.changed,
        crossed=outcome.crossed, finished_at=clock.now(),
    )
    run.refresh_from_db()
    return run
