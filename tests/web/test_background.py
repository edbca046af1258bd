"""Settings → Background work: workers and heartbeats, job counts, running and failed jobs,
interrupted imports; queueing a failed job again; admins only; Persian."""

from __future__ import annotations

import datetime as dt

import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.capture.imports import services as import_services
from sarnakh.capture.imports.models import ContactImport
from sarnakh.core import clock
from sarnakh.core.jobs import enqueue
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import DEAD_AFTER, worker_register
from tests.capture.imports.conftest import write_csv
from tests.core.job_tasks import explode, record_run

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = T0 + DEAD_AFTER + dt.timedelta(seconds=30)


@pytest.fixture
def stuck_work(tmp_path, actor):
    """A live worker running a job, a silent one whose job and import are stuck, a failed job."""
    with clock.frozen_at(T0):
        worker_register(worker_id="silent-worker-1", kind=WorkerProcess.Kind.WORKER)
    with clock.frozen_at(LATER):
        worker_register(worker_id="live-worker-22", kind=WorkerProcess.Kind.EMBEDDED)
    running = enqueue(record_run, str(tmp_path), "long")
    DBTaskResult.objects.filter(pk=running.id).update(status=TaskResultStatus.RUNNING, started_at=T0, worker_ids=["silent-worker-1"])
    failed = enqueue(explode, "smtp server said no")
    DBTaskResult.objects.filter(pk=failed.id).update(
        status=TaskResultStatus.FAILED, finished_at=T0, traceback="Traceback …\nRuntimeError: smtp server said no\n",
    )
    with open(write_csv(tmp_path, "email\na@example.com\n", name="leads.csv"), "rb") as upload:
        contact_import = import_services.import_create(upload=upload, file_name="leads.csv", actor=actor, options={}, background=False)
    ContactImport.objects.filter(pk=contact_import.pk).update(status="running", worker_id="silent-worker-1", started_at=T0)
    return {"running": str(running.id), "failed": str(failed.id), "import": contact_import.pk}


def test_given_stuck_work_then_the_admin_page_shows_workers_jobs_and_interrupted_imports(admin_client, stuck_work):
    with clock.frozen_at(LATER):
        body = admin_client.get("/settings/background/").content.decode()
    assert 'data-worker="live-worker-22"' in body and 'data-worker="silent-worker-1"' in body
    assert "silent for 50 s" in body and "Worker in the web server" in body
    assert f'data-job="{stuck_work["running"]}"' in body and "not beating: the job goes back in the queue" in body
    assert f'data-job="{stuck_work["failed"]}"' in body and "RuntimeError: smtp server said no" in body
    assert f'data-import="{stuck_work["import"]}"' in body and "leads.csv" in body
    assert '<td data-status="RUNNING">1</td>' in body and '<td data-status="FAILED">1</td>' in body


def test_given_failed_job_when_run_again_then_queued_and_said_so(admin_client, stuck_work):
    response = admin_client.post("/settings/background/", {"action": "requeue", "id": stuck_work["failed"]}, follow=True)
    assert "The job is queued again." in response.content.decode()
    assert DBTaskResult.objects.get(pk=stuck_work["failed"]).status == TaskResultStatus.READY
    refused = admin_client.post("/settings/background/", {"action": "requeue", "id": stuck_work["running"]}, follow=True)
    assert "Only a failed job can be queued again." in refused.content.decode()


def test_given_non_admin_then_background_work_is_forbidden(marketer_client):
    assert marketer_client.get("/settings/background/").status_code == 403


def test_given_persian_then_the_page_is_translated(admin_client, stuck_work):
    admin_client.cookies["django_language"] = "fa"
    with clock.frozen_at(LATER):
        body = admin_client.get("/settings/background/").content.decode()
    assert "کار پس‌زمینه" in body and "Background work" not in body
    assert "Failed jobs" not in body and "Resume import" not in body


def test_given_a_failed_event_delivery_then_shown_and_run_again_once(admin_client):
    # given a delivery of a contact.created batch that used all its retries (its cause since fixed)
    from django.db import transaction

    from sarnakh.contacts.events import ContactCreated
    from sarnakh.core.events import publish
    from sarnakh.core.jobs import run_pending_jobs
    from sarnakh.core.models import EventDelivery

    with transaction.atomic():
        publish(ContactCreated(contact_id=None, email="gone@example.com"))
    delivery = EventDelivery.objects.get(subscriber="scoring.subscribers.rescore_touched_contacts")
    DBTaskResult.objects.all().delete()
    EventDelivery.objects.filter(pk=delivery.pk).update(status="failed", attempts=10, last_error="OperationalError: database is locked")
    # when the admin opens Background work
    html = admin_client.get("/settings/background/").content.decode()
    # then the failed reaction is listed with its events and error
    assert 'id="failed-deliveries"' in html and "scoring.subscribers.rescore_touched_contacts" in html
    assert "contact.created" in html and "database is locked" in html
    # when run again, it is queued and applied once
    response = admin_client.post("/settings/background/", {"action": "retry_delivery", "batch": delivery.batch, "subscriber": delivery.subscriber})
    assert response.status_code == 302
    run_pending_jobs()
    assert EventDelivery.objects.get(pk=delivery.pk).status == "done"
    assert "No failed deliveries." in admin_client.get("/settings/background/").content.decode()
