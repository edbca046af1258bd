"""Jobs of dead workers go back to the queue: the rule, with a moved clock instead of sleeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound
from sarnakh.core.jobs import enqueue, job_requeue, jobs_failed, run_pending_jobs
from sarnakh.core.reclaim import MAX_CLAIMS, STALE_AFTER, DeadWorkerWatch
from sarnakh.core.workers import DEAD_AFTER, worker_beat, worker_register, worker_stop
from tests.core.job_tasks import record_run

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _at(seconds: float):
    return clock.frozen_at(T0 + dt.timedelta(seconds=seconds))


def _running_job(tmp_path, token: str, *, worker_ids: list[str], started_seconds: float = 0) -> str:
    job = enqueue(record_run, str(tmp_path), token)
    DBTaskResult.objects.filter(pk=job.id).update(
        status=TaskResultStatus.RUNNING, worker_ids=worker_ids, started_at=T0 + dt.timedelta(seconds=started_seconds),
    )
    return job.id


def _status(job_id: str) -> str:
    return DBTaskResult.objects.get(pk=job_id).status


def _runs(directory, token) -> int:
    path = directory / token
    return len(path.read_text().splitlines()) if path.exists() else 0


def _check(watch: DeadWorkerWatch, seconds: float, *, beats: int = 2):
    """The watcher's own heartbeats since its last check, then its check."""
    for _ in range(beats):
        watch.beat()
    with _at(seconds):
        return watch.check()


def test_given_worker_whose_heartbeat_stopped_then_its_job_is_back_in_the_queue_within_a_minute(tmp_path):
    # given a worker that claimed a job and beat its heartbeat last at T0
    with _at(0):
        worker_register(worker_id="dying-worker", kind="worker")
    job_id = _running_job(tmp_path, "slow", worker_ids=["dying-worker"])
    watch = DeadWorkerWatch()
    # when the others check every 10 s: a heartbeat younger than DEAD_AFTER is alive
    assert _check(watch, 10) == [] and _check(watch, DEAD_AFTER.total_seconds()) == []
    # a silent heartbeat is first noted, then confirmed at the next check
    assert _check(watch, DEAD_AFTER.total_seconds() + 10) == []
    assert _status(job_id) == TaskResultStatus.RUNNING
    released = _check(watch, DEAD_AFTER.total_seconds() + 20)
    # then the job is READY again (within a minute of the last heartbeat), runs once more
    assert DEAD_AFTER.total_seconds() + 20 <= 60
    assert [(r.job_id, r.worker_id, r.reason, r.gave_up) for r in released] == [(str(job_id), "dying-worker", "silent", False)]
    assert _status(job_id) == TaskResultStatus.READY
    assert "its worker's heartbeat stopped; back in the queue" in released[0].describe()
    assert run_pending_jobs() == 1 and _runs(tmp_path, "slow") == 1


def test_given_worker_that_beats_again_between_two_checks_then_its_job_stays(tmp_path):
    with _at(0):
        worker_register(worker_id="slow-beater", kind="worker")
    job_id = _running_job(tmp_path, "kept", worker_ids=["slow-beater"])
    watch = DeadWorkerWatch()
    assert _check(watch, 30) == []  # silent for 30 s: noted
    with _at(35):
        worker_beat(worker_id="slow-beater")  # its write got through after all
    assert _check(watch, 40) == [] and _check(watch, 50) == []
    assert _status(job_id) == TaskResultStatus.RUNNING


def test_given_the_watcher_could_not_beat_either_then_a_silent_worker_is_not_declared_dead(tmp_path):
    # given a database nobody could write to for a while (SQLite behind a long transaction)
    with _at(0):
        worker_register(worker_id="blocked-worker", kind="worker")
    job_id = _running_job(tmp_path, "blocked", worker_ids=["blocked-worker"])
    watch = DeadWorkerWatch()
    # when the watcher's own heartbeats did not get through between its checks
    assert _check(watch, 30, beats=0) == [] and _check(watch, 45, beats=0) == [] and _check(watch, 60, beats=1) == []
    # then the job stays with its worker until the watcher itself has beaten twice
    assert _status(job_id) == TaskResultStatus.RUNNING
    assert len(_check(watch, 70, beats=1)) == 1


def test_given_worker_that_stopped_then_its_leftover_job_is_released_at_once(tmp_path):
    with _at(0):
        worker_register(worker_id="stopped-worker", kind="embedded")
        worker_stop(worker_id="stopped-worker")
    job_id = _running_job(tmp_path, "left", worker_ids=["stopped-worker"])
    released = _check(DeadWorkerWatch(), 1, beats=0)
    assert [r.reason for r in released] == ["stopped"] and _status(job_id) == TaskResultStatus.READY


def test_given_job_of_a_worker_without_heartbeat_then_only_the_old_cutoff_releases_it(tmp_path):
    # given jobs claimed by workers that never registered (run_pending_jobs, older versions)
    old = _running_job(tmp_path, "old", worker_ids=["unregistered"], started_seconds=0)
    recent = _running_job(tmp_path, "recent", worker_ids=[], started_seconds=STALE_AFTER.total_seconds() - 60)
    # when checked just past the cutoff of the older one
    released = _check(DeadWorkerWatch(), STALE_AFTER.total_seconds() + 1, beats=0)
    # then only the one older than STALE_AFTER is back
    assert [(r.job_id, r.reason) for r in released] == [(str(old), "unknown")]
    assert (_status(old), _status(recent)) == (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def test_given_job_claimed_again_since_the_check_looked_then_it_is_left_alone(tmp_path):
    with _at(0):
        worker_register(worker_id="gone", kind="worker")
        worker_stop(worker_id="gone")
    job_id = _running_job(tmp_path, "raced", worker_ids=["gone"])
    watch = DeadWorkerWatch()
    original_filter = DBTaskResult.objects.filter

    def claimed_meanwhile(*args, **kwargs):
        # another worker released and claimed it between this check's read and its write
        if "started_at" in kwargs:
            DBTaskResult.objects.filter(pk=job_id).update(worker_ids=["gone", "alive"], started_at=T0 + dt.timedelta(seconds=5))
        return original_filter(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DBTaskResult.objects, "filter", claimed_meanwhile)
        released = _check(watch, 10, beats=0)
    assert released == [] and _status(job_id) == TaskResultStatus.RUNNING


def test_given_job_whose_workers_keep_dying_then_it_fails_after_max_claims_and_can_be_run_again(tmp_path):
    # given a job that killed its worker MAX_CLAIMS times
    with _at(0):
        worker_register(worker_id="last-victim", kind="worker")
        worker_stop(worker_id="last-victim")
    job_id = _running_job(tmp_path, "killer", worker_ids=[f"victim-{n}" for n in range(MAX_CLAIMS - 1)] + ["last-victim"])
    # when its last worker is found dead
    released = _check(DeadWorkerWatch(), 1, beats=0)
    # then it is failed with the reason instead of going round again
    assert [r.gave_up for r in released] == [True]
    assert "marked failed after too many attempts" in released[0].describe()
    failed = jobs_failed()
    assert [(f.id, f.attempts) for f in failed] == [(str(job_id), MAX_CLAIMS)]
    assert f"died {MAX_CLAIMS} times" in failed[0].error
    # and an admin can queue it again, with its attempts counted afresh
    job_requeue(job_id=str(job_id))
    job = DBTaskResult.objects.get(pk=job_id)
    assert (job.status, job.worker_ids, job.traceback) == (TaskResultStatus.READY, [], "")
    assert run_pending_jobs() == 1 and _runs(tmp_path, "killer") == 1


def test_given_job_that_did_not_fail_or_does_not_exist_then_requeue_refuses(tmp_path):
    job = enqueue(record_run, str(tmp_path), "waiting")
    with pytest.raises(Conflict):
        job_requeue(job_id=str(job.id))
    with pytest.raises(NotFound):
        job_requeue(job_id="not-a-uuid")
    with pytest.raises(NotFound):
        job_requeue(job_id="8a4e0c2f-0000-4000-8000-000000000000")
