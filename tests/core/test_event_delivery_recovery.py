"""A worker killed with SIGKILL in the middle of a delivery, for real: the delivery's
effect rolls back with it, another worker takes the job over, and the effect happens once."""

from __future__ import annotations

import subprocess

import pytest
from django.db import connection, transaction

from sarnakh.contacts.models import Tag
from sarnakh.core.events import publish
from sarnakh.core.models import EventDelivery
from tests.core import slow_subscriber
from tests.core.sarnakh_process import command, database_url_of, sarnakh_env, source_pythonpath
from tests.core.test_worker_recovery import _stop, _wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _start_worker(home, db_url) -> subprocess.Popen:
    return subprocess.Popen(
        [*command(), "worker"],
        env=sarnakh_env(home, SARNAKH_DATABASE_URL=db_url, PYTHONPATH=source_pythonpath(), SARNAKH_PLUGINS="tests.core.slow_subscriber"),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _delivery() -> EventDelivery:
    return EventDelivery.objects.get(subscriber="tests.slow_tag")


def test_given_a_worker_killed_mid_delivery_then_another_delivers_once(tmp_path):
    # given an event committed for the slow subscriber, and a worker delivering it
    with transaction.atomic():
        publish(slow_subscriber.SlowHappened(token="delivered-once"))
    db_url = database_url_of(connection.settings_dict)
    doomed = _start_worker(tmp_path / "a", db_url)
    survivor = None
    try:
        _wait_for(lambda: _delivery().attempts == 0 and _running(), timeout=60, what="the first worker starts the delivery", processes=[doomed])
        survivor = _start_worker(tmp_path / "b", db_url)
        # when the first worker is killed while the subscriber runs (its tag row not committed)
        doomed.kill()
        doomed.wait(timeout=10)
        assert not Tag.objects.filter(name="delivered-once").exists()
        # then the other worker takes the job over and the delivery completes, once
        _wait_for(lambda: _delivery().status == "done", timeout=90, what="the delivery is done by the other worker", processes=[survivor])
    finally:
        _stop(doomed)
        if survivor is not None:
            _stop(survivor)
    assert Tag.objects.filter(name="delivered-once").count() == 1
    assert _delivery().attempts == 1


def _running() -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path__endswith="deliver_event_batch", status="RUNNING").exists()
