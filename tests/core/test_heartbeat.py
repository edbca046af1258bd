"""The heartbeat thread: registers, beats from its own thread while the caller is busy,
releases what stopped workers left, and marks the worker stopped on the way out."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.core import heartbeat as heartbeat_module
from sarnakh.core.heartbeat import Heartbeat, command_heartbeat
from sarnakh.core.jobs import enqueue
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import current_worker_id, worker_register, worker_stop
from tests.core.job_tasks import record_run


@pytest.fixture
def fast_beats(monkeypatch):
    monkeypatch.setattr(heartbeat_module, "BEAT_EVERY", dt.timedelta(seconds=0.05))


def _wait_for(condition, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_given_busy_caller_then_the_heartbeat_thread_keeps_beating_and_stops_cleanly(fast_beats):
    # given a worker whose own thread is busy (a long job blocks it)
    with Heartbeat(worker_id="busy-worker", kind=WorkerProcess.Kind.WORKER) as beat:
        assert current_worker_id() == "busy-worker"
        first = WorkerProcess.objects.get(pk="busy-worker").last_seen
        # then its heartbeat moves on without it
        assert _wait_for(lambda: WorkerProcess.objects.get(pk="busy-worker").last_seen > first)
        assert beat.is_alive()
    # and leaving marks it stopped, the thread gone
    assert not beat.is_alive() and current_worker_id() == ""
    assert WorkerProcess.objects.get(pk="busy-worker").stopped_at is not None


@pytest.mark.django_db(transaction=True)
def test_given_job_left_by_a_stopped_worker_when_a_watching_heartbeat_starts_then_released_and_reported(tmp_path, fast_beats):
    worker_register(worker_id="gone", kind=WorkerProcess.Kind.EMBEDDED)
    worker_stop(worker_id="gone")
    job = enqueue(record_run, str(tmp_path), "left")
    DBTaskResult.objects.filter(pk=job.id).update(status=TaskResultStatus.RUNNING, worker_ids=["gone"])
    reported = []
    with Heartbeat(worker_id="newcomer", kind=WorkerProcess.Kind.WORKER, watch_jobs=True, on_release=reported.append):
        # released before the first job is claimed, so it runs first
        assert DBTaskResult.objects.get(pk=job.id).status == TaskResultStatus.READY
    assert [(r.job_id, r.reason) for r in reported] == [(str(job.id), "stopped")]


@pytest.mark.django_db
def test_given_heartbeat_inside_an_open_transaction_then_no_thread_waits_on_it():
    # a row not yet committed is invisible to the thread's own connection
    with transaction.atomic(), command_heartbeat() as beat:
        assert connection.in_atomic_block and not beat.is_alive()
        assert WorkerProcess.objects.get(pk=beat.worker_id).kind == WorkerProcess.Kind.COMMAND
    assert WorkerProcess.objects.get(pk=beat.worker_id).stopped_at is not None
    assert all(not t.name.startswith("sarnakh-heartbeat") for t in threading.enumerate())
