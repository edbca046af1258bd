"""The set-based batch writer must store exactly what per-row contact_upsert stores."""

import datetime as dt

import pytest
from django.db import transaction

from sarnakh.contacts.bulk.upsert import find_existing
from sarnakh.contacts.models import Activity, Company, Contact, StageChange
from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from tests.capture.imports.conftest import run_import, write_csv

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2024, 6, 1, 9, 30, tzinfo=dt.UTC)
FILE = """Email,Phone,First Name,Company Name,Job Title,Lifecycle Stage,Tags,Budget,Create Date,UTM Source
a@acme.io,,,,CTO,Lead,x,,,ads
new1@beta.io,09123330000,,Beta Co,,,,,2020-01-02,
d@gmail.com,09121110000,,,,,,,,
d@gmail.com,,Dee,,,,y;x,,,
e@gmail.com,09122220000,Eve,,,,,,,
new1@beta.io,,,Gamma,Lead Dev,,,,,
,09124440000,Phone,,,,,,,
,+989124440000,,,Eng,Subscriber,,,,
f@beta.io,,Fay,,,,,,,fair
a@acme.io,,,Acme,,Customer,,,,
x@gmail.com,,Xan,,,,,100,,
bad-email,,Bad,,,,,,,
,,,,Nobody,,,,,
"""


def existing_contacts(actor):
    contact_upsert(data={"email": "a@acme.io", "company": "Acme", "stage": "sql", "tags": ["old"], "utm_campaign": "spring"}, actor=actor)
    contact_upsert(data={"phone": "09121110000", "first_name": "Bee"}, actor=actor)
    contact_upsert(data={"email": "c@gmail.com", "phone": "09122220000"}, actor=actor)


def snapshot() -> dict:
    contacts = []
    for c in Contact.objects.select_related("company").order_by("email", "phone"):
        activities = [
            (a.kind, {k: v for k, v in a.data.items() if k != "import_id"}, a.actor_label)
            for a in Activity.objects.filter(contact=c).order_by("id")
        ]
        stages = list(StageChange.objects.filter(contact=c).order_by("id").values_list("from_stage", "to_stage", "source"))
        contacts.append((
            c.first_name, c.last_name, c.email, c.phone, c.company.name if c.company else None, c.job_title, c.stage_id,
            c.lead_status, c.source_type, c.channel, c.utm_source, c.utm_campaign, c.properties, sorted(c.tags.values_list("name", flat=True)),
            c.created_at, c.updated_at, c.search_text, activities, stages,
        ))
    companies = sorted(Company.objects.values_list("name", "domain", "search_text"))
    return {"contacts": contacts, "companies": companies}


@pytest.mark.parametrize("on_duplicate", ["update", "skip"])
def test_batch_and_row_engines_store_the_same(tmp_path, actor, on_duplicate):
    path = write_csv(tmp_path, FILE)
    results = {}
    with clock.frozen_at(MOMENT):
        existing_contacts(actor)
        for engine, batch_size in [("row", 1000), ("batch", 4), ("batch", 1000)]:
            with transaction.atomic():
                done = run_import(path, actor, engine=engine, batch_size=batch_size, on_duplicate=on_duplicate,
                                  mapping={"Budget": "properties.budget"})
                counts = (done.new_count, done.updated_count, done.skipped_count, done.invalid_count)
                results[(engine, batch_size)] = (counts, snapshot(), sorted(done.row_errors.values_list("row_number", "column", "message")))
                transaction.set_rollback(True)
    row = results[("row", 1000)]
    assert row[0][3] == 2 and sum(row[0]) == 13
    assert results[("batch", 4)] == row
    assert results[("batch", 1000)] == row
    # First touch is one visit: a contact that has one keeps it whole; a new one takes the file's.
    by_email = {c[2]: c for c in row[1]["contacts"]}
    assert by_email["a@acme.io"][10:12] == ("", "spring")
    assert by_email["f@beta.io"][10:12] == ("fair", "")


def test_find_existing_follows_the_identity_rules(actor):
    with_email = contact_upsert(data={"email": "a@example.com", "phone": "09121234567"}, actor=actor).contact
    phone_only = contact_upsert(data={"phone": "09127654321"}, actor=actor).contact
    assert find_existing({"email": "a@example.com"}) == with_email
    assert find_existing({"phone": "+989121234567"}) == with_email
    assert find_existing({"email": "b@example.com", "phone": "+989121234567"}) is None
    assert find_existing({"email": "b@example.com", "phone": "+989127654321"}) == phone_only
