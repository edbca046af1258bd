"""Background entry points of the predictive model: training runs and the retraining
schedule's check (see services.py for how the check re-queues itself)."""

from __future__ import annotations

from django_tasks import task


@task()
def train_predictive_model(run_id: int) -> int:
    """Runs a queued training run; returns how many contacts it scored (0 if it failed)."""
    from . import services

    run = services.predictive_run_execute(run_id)
    return run.scored if run is not None else 0


@task()
def predictive_retrain_due() -> int:
    """The schedule's check: queues a training run when one is due, then queues the next
    check. Returns the queued run's id, or 0."""
    from . import services

    try:
        run = services.retrain_if_due()
    finally:
        services.schedule_retrain_check()
    return run.pk if run is not None else 0
