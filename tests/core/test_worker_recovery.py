"""A worker killed mid-job, for real: `sarnakh worker` processes on this test's database
(SQLite or PostgreSQL), one killed with SIGKILL half-way through an import, another,
already running, taking the job over."""

from __future__ import annotations

import subprocess
import time

import pytest
from django.db import connection

from sarnakh.capture.imports import services
from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import enqueue
from tests.core.job_tasks import slow_import
from tests.core.sarnakh_process import command, database_url_of, sarnakh_env, source_pythonpath

pytestmark = pytest.mark.django_db(transaction=True)

ROWS, BATCH, PAUSE = 240, 8, 0.25


def _start_worker(home, db_url) -> subprocess.Popen:
    return subprocess.Popen(
        [*command(), "worker"],
        env=sarnakh_env(home, SARNAKH_DATABASE_URL=db_url, PYTHONPATH=source_pythonpath()),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def _wait_for(condition, *, timeout: float, what: str, processes=()):
    """Polls `condition` until it is true or `timeout` seconds pass (then fails saying `what`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        for process in processes:
            assert process.poll() is None, f"a worker exited early: {process.stdout.read()}"
        time.sleep(0.2)
    pytest.fail(f"not within {timeout:.0f} s: {what}")


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.stdout.read()


def _import_state(import_id: int) -> ContactImport:
    return ContactImport.objects.get(pk=import_id)


def test_given_worker_killed_mid_import_then_a_running_worker_resumes_it_within_a_minute(tmp_path):
    # given an import job slow enough to be killed half-way, and a worker running it
    csv_path = tmp_path / "list.csv"
    csv_path.write_text("email,first_name\n" + "".join(f"person{n}@example.com,P{n}\n" for n in range(ROWS)), encoding="utf-8")
    with open(csv_path, "rb") as upload:
        contact_import = services.import_create(upload=upload, file_name="list.csv", actor=Actor(source="import", label="test"),
                                                options={}, background=False)
    enqueue(slow_import, contact_import.pk, BATCH, PAUSE)
    db_url = database_url_of(connection.settings_dict)
    doomed = _start_worker(tmp_path / "a", db_url)
    survivor = None
    try:
        _wait_for(lambda: _import_state(contact_import.pk).rows_done >= 3 * BATCH, timeout=60,
                  what="the first worker imports a few batches", processes=[doomed])
        # and another worker that is already running when the first one dies
        survivor = _start_worker(tmp_path / "b", db_url)
        _wait_for(lambda: "started" in (survivor.stdout.readline() or ""), timeout=60, what="the second worker starts")
        time.sleep(1)  # past its start-up look-around: what follows is its periodic check

        # when the first worker is killed mid-import
        doomed.kill()
        doomed.wait(timeout=10)
        rows_at_kill = _import_state(contact_import.pk).rows_done
        assert rows_at_kill < ROWS, "the import finished before the kill: make it slower"

        # then the running worker takes the import over within a minute and finishes it
        _wait_for(lambda: _import_state(contact_import.pk).rows_done > rows_at_kill, timeout=60,
                  what="the running worker resumes the killed worker's import", processes=[survivor])
        done = _wait_for(lambda: (imp := _import_state(contact_import.pk)).status == "done" and imp, timeout=60,
                         what="the resumed import finishes", processes=[survivor])
    finally:
        _stop(doomed)
        survivor_output = _stop(survivor) if survivor is not None else ""

    # and no row was lost or imported twice
    assert (done.rows_done, done.new_count, done.updated_count, done.invalid_count) == (ROWS, ROWS, 0, 0)
    assert Contact.objects.count() == ROWS
    assert Contact.objects.values("email").distinct().count() == ROWS
    assert Activity.objects.filter(data__import_id=contact_import.pk).count() == ROWS
    assert "Reclaimed job slow_import" in survivor_output
