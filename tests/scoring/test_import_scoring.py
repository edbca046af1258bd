"""Imported contacts are scored: one job per import batch, queued in the batch's transaction."""

import pytest
from django_tasks_db.models import DBTaskResult

from sarnakh.contacts.models import Contact
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.scoring.models import ContactScore
from tests.capture.imports.conftest import run_import, write_csv

pytestmark = pytest.mark.django_db

CSV = "email,first_name,job_title\nsara@acme-example.com,Sara,Sales Manager\nomid@gmail.com,Omid,Student\nnika@acme-example.com,Nika,مدیر فروش\n"


@pytest.fixture
def import_actor(admin_user):
    return Actor(source="import", user=admin_user, label=admin_user.get_username())


def test_given_a_batch_import_when_its_job_runs_then_every_imported_contact_has_a_score(tmp_path, import_actor):
    # given a CSV of three people imported with the batch engine
    run_import(write_csv(tmp_path, CSV), import_actor, engine="batch")
    # then the batch is announced once (import.batch_written), and scoring's reaction scores all three
    [announced] = EventRecord.objects.filter(name="import.batch_written")
    assert len(announced.payload["created_ids"]) == 3 and announced.payload["updated_ids"] == []
    run_pending_jobs()
    scores = {s.contact.email: s for s in ContactScore.objects.select_related("contact")}
    assert set(scores) == set(Contact.objects.values_list("email", flat=True)) and len(scores) == 3
    # and the fit rules saw the imported fields: a company email with a manager title beats a student on gmail
    assert scores["sara@acme-example.com"].fit > scores["omid@gmail.com"].fit
    assert scores["nika@acme-example.com"].fit == scores["sara@acme-example.com"].fit


def test_a_dry_run_queues_no_scoring(tmp_path, import_actor):
    run_import(write_csv(tmp_path, CSV), import_actor, engine="batch", dry_run=True)
    assert not Contact.objects.exists()
    assert not EventRecord.objects.exists()
    assert not DBTaskResult.objects.filter(task_path__endswith="deliver_event_batch").exists()
