"""Imports whose process died: shown as interrupted (list, detail page, API), resumed from
their last committed batch (UI, API, CLI) without duplicating rows, refused clearly
when the file is gone or changed; a second run never races a live one."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.db import connection

from sarnakh import cli
from sarnakh.capture.imports import selectors, services
from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.errors import Conflict
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import DEAD_AFTER, worker_register, working_as
from tests.capture.imports.conftest import create_import, write_csv
from tests.core.sarnakh_process import command, database_url_of, sarnakh_env, source_pythonpath

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = T0 + DEAD_AFTER + dt.timedelta(seconds=1)


def _emails(count: int) -> str:
    return "email,first_name\n" + "".join(f"u{n}@example.com,U{n}\n" for n in range(count))


def _interrupt_after_first_batch(path, actor, *, batch_size: int = 3, worker_id: str = "cli-process") -> ContactImport:
    """An import its worker ran one batch of, then died (its heartbeat stops at T0)."""
    contact_import = create_import(path, actor)
    with clock.frozen_at(T0):
        worker_register(worker_id=worker_id, kind=WorkerProcess.Kind.COMMAND)

    def die(_imp, _totals):
        raise KeyboardInterrupt

    with working_as(worker_id), clock.frozen_at(T0), pytest.raises(KeyboardInterrupt):
        services.import_run(import_id=contact_import.pk, batch_size=batch_size, on_batch=die)
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.worker_id, contact_import.rows_done) == ("running", worker_id, batch_size)
    return contact_import


@pytest.mark.django_db
def test_given_import_whose_worker_stopped_beating_then_it_shows_interrupted_everywhere(tmp_path, actor, admin_client, read_api):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(7)), actor)
    # while its heartbeat is fresh it is running
    with clock.frozen_at(T0 + dt.timedelta(seconds=5)):
        assert selectors.import_get(contact_import.pk).interrupted is False
        assert read_api.get(f"/api/v1/imports/{contact_import.pk}").json()["status"] == "running"
    # once it is older than DEAD_AFTER: interrupted, in the API, the list and the detail page
    with clock.frozen_at(LATER):
        assert read_api.get(f"/api/v1/imports/{contact_import.pk}").json()["status"] == "interrupted"
        assert [i["status"] for i in read_api.get("/api/v1/imports").json()] == ["interrupted"]
        assert [i.pk for i in selectors.imports_interrupted()] == [contact_import.pk]
        page = admin_client.get(f"/imports/{contact_import.pk}/").content.decode()
        assert 'data-status="interrupted"' in page and "Resume import" in page and "stopped after 3 rows" in page
        assert "Interrupted" in admin_client.get("/imports/").content.decode()


@pytest.mark.django_db
def test_given_interrupted_import_when_resumed_from_the_page_then_it_continues_after_the_last_batch(tmp_path, actor, admin_client):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(7)), actor)
    with clock.frozen_at(LATER):
        response = admin_client.post(f"/imports/{contact_import.pk}/resume/", follow=True)
        assert "Resumed" in response.content.decode()
        assert run_pending_jobs() >= 1
    done = selectors.import_get(contact_import.pk)
    assert (done.status, done.rows_done, done.new_count, done.interrupted) == ("done", 7, 7, False)
    assert Contact.objects.count() == 7
    assert Activity.objects.filter(data__import_id=contact_import.pk).count() == 7


@pytest.mark.django_db
def test_given_interrupted_import_when_resumed_over_the_api_then_202_and_done_once(tmp_path, actor, write_api):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(5)), actor)
    with clock.frozen_at(LATER):
        response = write_api.post(f"/api/v1/imports/{contact_import.pk}/resume")
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "queued" and response.json()["progress"]["rows_done"] == 3
        # a second resume finds nothing interrupted
        again = write_api.post(f"/api/v1/imports/{contact_import.pk}/resume")
        assert again.status_code == 409 and "Only an interrupted import can be resumed" in again.content.decode()
        run_pending_jobs()
    assert ContactImport.objects.get(pk=contact_import.pk).new_count == 5 and Contact.objects.count() == 5


@pytest.mark.django_db
def test_given_import_of_a_live_worker_then_resume_refuses_and_a_second_run_does_nothing(tmp_path, actor, write_api):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(7)), actor)
    with clock.frozen_at(T0 + dt.timedelta(seconds=5)):
        assert write_api.post(f"/api/v1/imports/{contact_import.pk}/resume").status_code == 409
        # a job for the same import (e.g. released by mistake) leaves the live worker's run alone
        assert services.import_run(import_id=contact_import.pk) is None
    assert ContactImport.objects.get(pk=contact_import.pk).rows_done == 3 and Contact.objects.count() == 3


@pytest.mark.django_db
def test_given_interrupted_import_whose_file_changed_or_is_gone_then_resume_says_so_and_changes_nothing(tmp_path, actor):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(7)), actor)
    stored = Path(contact_import.file_path)  # the upload's copy the import reads
    with clock.frozen_at(LATER):
        with open(stored, "a", encoding="utf-8") as handle:
            handle.write("extra@example.com,E\n")
        with pytest.raises(Conflict, match="changed since the import started"):
            services.import_resume(import_id=contact_import.pk, actor=actor)
        stored.unlink()
        with pytest.raises(Conflict, match=r"is no longer at .*, so the import cannot resume"):
            services.import_resume(import_id=contact_import.pk, actor=actor)
    contact_import.refresh_from_db()
    assert (contact_import.status, contact_import.rows_done) == ("running", 3)


@pytest.mark.django_db
def test_given_interrupted_import_when_cancelled_then_cancelled_at_once(tmp_path, actor):
    contact_import = _interrupt_after_first_batch(write_csv(tmp_path, _emails(7)), actor)
    with clock.frozen_at(LATER):
        services.import_cancel(import_id=contact_import.pk, actor=actor)
    contact_import.refresh_from_db()
    assert contact_import.status == "cancelled" and Contact.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_given_cli_import_killed_with_sigkill_then_interrupted_and_resumed_by_the_cli_to_completion(tmp_path, capsys):
    # given a command-line import of a file big enough to kill half-way
    rows = 10_000
    path = write_csv(tmp_path, _emails(rows), name="big.csv")
    child = subprocess.Popen(
        [*command(), "import", "contacts", str(path), "--batch-size", "100"],
        env=sarnakh_env(tmp_path / "home", SARNAKH_DATABASE_URL=database_url_of(connection.settings_dict), PYTHONPATH=source_pythonpath()),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            started = ContactImport.objects.filter(rows_done__gte=200).first()
            if started is not None or child.poll() is not None:
                break
            time.sleep(0.05)
        # when it is killed mid-import
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    contact_import = ContactImport.objects.get()
    assert contact_import.status == "running" and 0 < contact_import.rows_done < rows, "killed too late: use a bigger file"
    assert contact_import.worker_id and contact_import.file_path == str(path.resolve())

    # then, once its heartbeat is DEAD_AFTER old, it shows as interrupted
    assert selectors.import_get(contact_import.pk).interrupted is False
    with clock.frozen_at(clock.now() + DEAD_AFTER + dt.timedelta(seconds=6)):
        assert selectors.import_get(contact_import.pk).interrupted is True
        # and `sarnakh import resume ID` finishes it from its last committed batch
        code = cli.main(["import", "resume", str(contact_import.pk), "--batch-size", "1000"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"resuming after row {contact_import.rows_done:,}" in out and f"{rows:,} rows — new {rows:,}, updated 0" in out
    done = ContactImport.objects.get()
    assert (done.status, done.rows_done, done.new_count, done.invalid_count) == ("done", rows, rows, 0)
    assert Contact.objects.count() == rows and Contact.objects.values("email").distinct().count() == rows
    assert Activity.objects.filter(data__import_id=done.pk).count() == rows
