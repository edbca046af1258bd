"""Re-score and training runs whose worker died: taken over when their job runs again,
left alone while their worker lives, listed as interrupted, never stuck "running"."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import DEAD_AFTER, worker_register
from sarnakh.scoring.models import PredictiveModel, RescoreRun
from sarnakh.scoring.predictive import services as predictive
from sarnakh.scoring.predictive.features import DataError
from sarnakh.scoring.rescore import rescore_execute, rescore_start
from sarnakh.scoring.selectors import runs_interrupted

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
ALIVE = T0 + dt.timedelta(seconds=5)
DEAD = T0 + DEAD_AFTER + dt.timedelta(seconds=1)


def _running_rescore(worker_id: str) -> RescoreRun:
    contact_upsert(data={"email": "lead@example.com"}, actor=Actor(source="api", label="test"))
    with clock.frozen_at(T0):
        worker_register(worker_id=worker_id, kind=WorkerProcess.Kind.WORKER)
        run = rescore_start()
    RescoreRun.objects.filter(pk=run.pk).update(status=RescoreRun.RUNNING, worker_id=worker_id, started_at=T0, done=0)
    return run


def test_given_rescore_run_of_a_live_worker_when_its_job_runs_again_then_left_alone():
    run = _running_rescore("busy-worker")
    with clock.frozen_at(ALIVE):
        again = rescore_execute(run.pk)
        assert runs_interrupted() == []
    assert (again.status, again.worker_id, again.total) == (RescoreRun.RUNNING, "busy-worker", 0)


def test_given_rescore_run_whose_worker_died_then_listed_as_interrupted_and_its_job_finishes_it():
    run = _running_rescore("dead-worker")
    with clock.frozen_at(DEAD):
        assert [(r["kind"], r["id"], r["worker_id"]) for r in runs_interrupted()] == [("rescore", run.pk, "dead-worker")]
        finished = rescore_execute(run.pk)
        assert runs_interrupted() == []
    assert (finished.status, finished.total, finished.worker_id) == (RescoreRun.DONE, 1, "")


def _cli_run(worker_id: str, *, trigger: str = "cli") -> PredictiveModel:
    with clock.frozen_at(T0):
        worker_register(worker_id=worker_id, kind=WorkerProcess.Kind.COMMAND)
        return PredictiveModel.objects.create(status=PredictiveModel.RUNNING, trigger=trigger, created_at=T0, started_at=T0, worker_id=worker_id)


def test_given_training_from_the_cli_killed_then_it_blocks_nothing_and_the_next_training_closes_it():
    # given a training run from the command line whose process was killed
    killed = _cli_run("killed-cli")
    with clock.frozen_at(ALIVE):
        with pytest.raises(Conflict):
            predictive.predictive_train_queue()  # still alive: one at a time
    with clock.frozen_at(DEAD):
        assert [r["id"] for r in runs_interrupted()] == [killed.pk]
        # when a new training starts (here it cannot train: no data)
        with pytest.raises(DataError):
            predictive.predictive_train()
    # then the interrupted run is closed with the reason instead of "running" for hours
    killed.refresh_from_db()
    assert killed.status == PredictiveModel.FAILED and "Interrupted" in killed.error


def test_given_training_job_whose_worker_died_then_it_still_counts_as_in_progress_for_its_job_to_finish():
    _cli_run("dead-job-worker", trigger="user")
    with clock.frozen_at(DEAD), pytest.raises(Conflict):
        predictive.predictive_train_queue()
