"""Joins and leaves on the contact's timeline: one row per change, written with the
membership, in the reader's language."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Activity, Contact
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.segments import services
from sarnakh.segments.contact_page import SEGMENT_ENTERED, SEGMENT_LEFT

pytestmark = pytest.mark.django_db

IRAN = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}]}


def contact(email: str, country: str) -> Contact:
    return contact_upsert(data={"email": email, "country": country}, actor=Actor.system()).contact


def test_given_a_new_segment_when_built_then_each_member_gets_an_entered_row_and_others_none():
    mina, john = contact("mina@example.com", "IR"), contact("john@example.com", "GB")
    segment = services.segment_create(name="Iran", filter=IRAN)
    rows = Activity.objects.filter(kind=SEGMENT_ENTERED)
    assert list(rows.values_list("contact_id", flat=True)) == [mina.pk]
    assert rows.get().data == {"segment_id": segment.pk, "segment_name": "Iran", "kind": "dynamic", "reason": "created"}
    assert not Activity.objects.filter(contact=john, kind__in=[SEGMENT_ENTERED, SEGMENT_LEFT]).exists()


def test_given_a_member_who_changes_when_reevaluated_then_a_left_row_with_the_event_as_reason():
    mina = contact("mina@example.com", "IR")
    services.segment_create(name="Iran", filter=IRAN)
    Contact.objects.filter(pk=mina.pk).update(country="DE")
    services.segment_reevaluate_contacts(contact_ids=[mina.pk], reason="contact.updated")
    left = Activity.objects.get(contact=mina, kind=SEGMENT_LEFT)
    assert left.data["reason"] == "contact.updated" and left.actor_label == "system"


def test_given_a_static_list_when_a_user_adds_someone_then_the_row_names_the_list_and_the_user(admin_user):
    mina = contact("mina@example.com", "IR")
    lst = services.segment_create(name="Trade show", kind="static")
    services.list_add(segment_id=lst.pk, contact_ids=[mina.pk], actor=Actor.for_user(admin_user))
    row = Activity.objects.get(contact=mina, kind=SEGMENT_ENTERED)
    assert row.data["kind"] == "static" and row.actor_id == admin_user.pk


def test_given_rows_when_the_contact_page_is_read_in_english_and_persian_then_titles_and_reasons_are_translated(admin_client):
    mina = contact("mina@example.com", "IR")
    services.segment_create(name="Iran <b>leads</b>", filter=IRAN)
    lst = services.segment_create(name="Trade show", kind="static")
    services.list_add(segment_id=lst.pk, contact_ids=[mina.pk])
    page = admin_client.get(f"/contacts/{mina.pk}/").content.decode()
    assert "Entered the segment" in page and "Added to the list" in page and "the segment was created" in page
    assert "<b>leads</b>" not in page and "&lt;b&gt;leads&lt;/b&gt;" in page
    admin_client.cookies["django_language"] = "fa"
    page = admin_client.get(f"/contacts/{mina.pk}/").content.decode()
    assert "Entered the segment" not in page and "Added to the list" not in page
    assert "وارد بخش" in page and "به فهرست" in page
