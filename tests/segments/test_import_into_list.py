"""Import into a list: every contact an import creates or updates joins the static list it
names, batch by batch, with the import as the reason; a wrong list refuses the import."""

from __future__ import annotations

import pytest

from sarnakh.capture.imports import services as imports
from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Activity, Contact
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.segments import services
from sarnakh.segments.contact_page import SEGMENT_ENTERED
from sarnakh.segments.models import SegmentMembership
from tests.capture.imports.conftest import create_import, run_import, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
ACTOR = Actor(source="import", label="import: expo.csv")
CSV = "email,first_name\nmina@example.com,Mina\nreza@example.com,Reza\nsara@example.com,Sara\n"


def members(segment_id: int) -> set[str]:
    ids = SegmentMembership.objects.filter(segment_id=segment_id).values_list("contact_id", flat=True)
    return set(Contact.objects.filter(pk__in=ids).values_list("email", flat=True))


def test_given_a_list_when_a_file_is_imported_in_batches_then_new_and_updated_contacts_join_it(tmp_path):
    # given a list that already holds one of the people, and a contact the file updates
    expo = services.segment_create(name="Expo 2026", kind="static")
    reza = contact_upsert(data={"email": "reza@example.com"}, actor=Actor.system()).contact
    services.list_add(segment_id=expo.pk, contact_ids=[reza.pk])
    run_pending_jobs()
    # when the file is imported into the list, two rows a batch
    done = run_import(write_csv(tmp_path, CSV), ACTOR, batch_size=2, list_id=str(expo.pk))
    run_pending_jobs()
    # then all three are members, each joined once, and the timeline says they were imported
    assert done.list_id == expo.pk and done.new_count == 2 and done.updated_count == 1
    assert members(expo.pk) == {"mina@example.com", "reza@example.com", "sara@example.com"}
    assert SegmentMembership.objects.filter(segment=expo).count() == 3
    joined = Activity.objects.filter(kind=SEGMENT_ENTERED, data__reason="imported")
    assert joined.count() == 2 and {a.actor_label for a in joined} == {"import: expo.csv"}


def test_given_no_such_list_or_a_dynamic_segment_when_importing_then_refused_and_nothing_imported(tmp_path):
    dynamic = services.segment_create(name="Iran", filter={"match": "all", "conditions": [
        {"field": "country", "op": "eq", "value": "IR"}]})
    for bad in ("999999", str(dynamic.pk), "abc", "9" * 30):
        with pytest.raises(ValidationFailed) as error:
            create_import(write_csv(tmp_path, CSV), ACTOR, list_id=bad)
        assert "list_id" in error.value.fields
    assert not ContactImport.objects.exists()


def test_given_the_list_is_deleted_before_the_batch_is_delivered_then_the_import_still_completes(tmp_path):
    expo = services.segment_create(name="Expo 2026", kind="static")
    contact_import = create_import(write_csv(tmp_path, CSV), ACTOR, list_id=str(expo.pk))
    services.segment_delete(segment_id=expo.pk)
    done = imports.import_run(import_id=contact_import.pk)
    run_pending_jobs()
    assert done.new_count == 3 and not SegmentMembership.objects.exists()
