"""Worker rows and their heartbeats: alive, silent, stopped, forgotten; who may take over."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.core import clock
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import (
    DEAD_AFTER,
    FORGET_AFTER,
    current_worker_id,
    dead_worker_ids,
    may_take_over,
    worker_beat,
    worker_list,
    worker_register,
    worker_stop,
    workers_forget_old,
    working_as,
)

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _at(seconds: float):
    return clock.frozen_at(T0 + dt.timedelta(seconds=seconds))


def test_given_registered_worker_when_it_beats_then_alive_until_it_falls_silent():
    with _at(0):
        worker = worker_register(worker_id="w1", kind=WorkerProcess.Kind.WORKER)
    assert (worker.kind, worker.pid > 0, worker.hostname != "", worker.stopped_at) == ("worker", True, True, None)
    with _at(15):
        assert worker_beat(worker_id="w1") is True
    with _at(15 + DEAD_AFTER.total_seconds()):
        assert dead_worker_ids(["w1"]) == set()
    with _at(16 + DEAD_AFTER.total_seconds()):
        assert dead_worker_ids(["w1"]) == {"w1"}


def test_given_stopped_or_unknown_worker_then_dead_and_its_beat_does_not_revive_it():
    with _at(0):
        worker_register(worker_id="w1", kind=WorkerProcess.Kind.EMBEDDED)
        worker_stop(worker_id="w1")
        assert dead_worker_ids(["w1", "never-seen", ""]) == {"w1", "never-seen"}
        assert worker_beat(worker_id="w1") is False
        assert worker_beat(worker_id="never-seen") is False


def test_given_worker_registered_again_then_it_is_alive_again():
    with _at(0):
        worker_register(worker_id="w1", kind=WorkerProcess.Kind.WORKER)
        worker_stop(worker_id="w1")
    with _at(60):
        worker_register(worker_id="w1", kind=WorkerProcess.Kind.WORKER)
        assert dead_worker_ids(["w1"]) == set()
        assert WorkerProcess.objects.count() == 1


def test_given_old_rows_then_forgotten_and_the_list_shows_running_ones_first():
    with _at(0):
        worker_register(worker_id="old", kind=WorkerProcess.Kind.WORKER)
    with _at(FORGET_AFTER.total_seconds() - 10):
        worker_register(worker_id="stopped", kind=WorkerProcess.Kind.WORKER)
        worker_stop(worker_id="stopped")
        worker_register(worker_id="running", kind=WorkerProcess.Kind.COMMAND)
    with _at(FORGET_AFTER.total_seconds() + 1):
        assert workers_forget_old() == 1
        assert [w.pk for w in worker_list()] == ["running", "stopped"]


def test_may_take_over_a_record_with_no_worker_its_own_or_a_dead_workers_but_not_a_live_ones():
    with _at(0):
        worker_register(worker_id="live", kind=WorkerProcess.Kind.WORKER)
        worker_register(worker_id="dead", kind=WorkerProcess.Kind.WORKER)
        worker_stop(worker_id="dead")
        assert current_worker_id() == ""
        assert may_take_over("") and may_take_over("dead") and not may_take_over("live")
        with working_as("live"):
            assert current_worker_id() == "live" and may_take_over("live")
        assert current_worker_id() == ""
