"""Merging two records of one person."""

import datetime as dt

import pytest

from sarnakh.contacts import services
from sarnakh.contacts.merge import contact_merge, pick_merged_values
from sarnakh.contacts.models import Activity, Contact, Note, StageChange
from sarnakh.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_given_conflicting_values_when_picking_then_newer_non_empty_wins_unless_chosen():
    survivor = {"first_name": "Ann", "city": "", "job_title": "CEO", "owner_id": 1}
    loser = {"first_name": "Anna", "city": "Tehran", "job_title": "", "owner_id": 2}
    picked = pick_merged_values(survivor, loser, survivor_is_newer=False, choices={"owner": "survivor"})
    assert picked == {"first_name": "Anna", "city": "Tehran", "job_title": "CEO", "owner_id": 1}
    picked = pick_merged_values(survivor, loser, survivor_is_newer=True, choices={"first_name": "loser"})
    assert picked == {"first_name": "Anna", "city": "Tehran", "job_title": "CEO", "owner_id": 1}


@pytest.fixture
def pair(make_contact, system_actor):
    survivor = make_contact(email="ann@example.com", first_name="Ann", city="Shiraz", channel="web_form", tags=["a"])
    loser = make_contact(email="ann.b@example.com", first_name="Anna", job_title="CTO", channel="cold_call", tags=["b"], stage="mql")
    services.note_add(contact_id=loser.pk, body="loser note", actor=system_actor)
    services.note_add(contact_id=survivor.pk, body="survivor note", actor=system_actor)
    return survivor, loser


def test_given_two_contacts_when_merging_then_survivor_keeps_both_histories(pair, system_actor):
    survivor, loser = pair
    loser_activities = set(Activity.objects.filter(contact=loser).values_list("pk", flat=True))
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    assert loser_activities <= set(Activity.objects.filter(contact=merged).values_list("pk", flat=True))
    assert set(Note.objects.filter(contact=merged).values_list("body", flat=True)) == {"loser note", "survivor note"}
    assert sorted(merged.tags.values_list("name", flat=True)) == ["a", "b"]
    assert StageChange.objects.filter(contact=loser).count() == 0
    assert set(StageChange.objects.filter(contact=merged, from_stage="").values_list("to_stage", flat=True)) == {"lead", "mql"}
    merged_row = Activity.objects.get(contact=merged, kind="merged")
    assert merged_row.data["merged_id"] == loser.pk


def test_given_loser_updated_later_when_merging_then_its_non_empty_values_win(pair, system_actor):
    survivor, loser = pair
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    assert (merged.first_name, merged.city, merged.job_title) == ("Anna", "Shiraz", "CTO")
    assert merged.email == "ann.b@example.com"  # newer non-empty email moves over from the loser


def test_given_explicit_choices_when_merging_then_honoured(pair, system_actor):
    survivor, loser = pair
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor, choices={"first_name": "survivor", "email": "survivor"})
    assert (merged.first_name, merged.email) == ("Ann", "ann@example.com")


def test_given_merge_then_first_touch_of_older_record_and_furthest_stage_kept(pair, system_actor):
    survivor, loser = pair
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    assert merged.channel == "web_form"
    assert merged.stage_id == "mql"
    assert StageChange.objects.filter(contact=merged, from_stage="lead", to_stage="mql").exists()


def test_given_merge_then_loser_is_a_tombstone_and_its_email_is_free(pair, system_actor):
    survivor, loser = pair
    contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor, choices={"email": "survivor"})
    loser.refresh_from_db()
    assert loser.merged_into_id == survivor.pk and loser.merged_at is not None
    result = services.contact_upsert(data={"email": "ann.b@example.com"}, actor=system_actor)
    assert result.created  # the loser no longer holds its email


def test_given_merge_then_loser_email_can_move_to_survivor(pair, system_actor):
    survivor, loser = pair
    contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor, choices={"email": "survivor"})
    updated = services.contact_update(contact_id=survivor.pk, data={"email": "ann.b@example.com"}, actor=system_actor)
    assert updated.email == "ann.b@example.com"


def test_given_properties_on_both_when_merging_then_union_with_newer_winning(make_contact, system_actor):
    from sarnakh.contacts.settings_services import property_define

    property_define(object_type="contact", key="budget", label="Budget", type="number")
    property_define(object_type="contact", key="vip", label="VIP", type="boolean")
    survivor = make_contact(email="a@example.com", properties={"budget": 1, "vip": True})
    loser = make_contact(email="b@example.com", properties={"budget": 2})
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    assert merged.properties == {"budget": 2, "vip": True}


def test_given_chain_of_merges_then_all_tombstones_point_at_last_survivor(make_contact, system_actor):
    a, b, c = (make_contact(email=f"{n}@example.com") for n in "abc")
    contact_merge(survivor_id=b.pk, loser_id=a.pk, actor=system_actor)
    contact_merge(survivor_id=c.pk, loser_id=b.pk, actor=system_actor)
    assert set(Contact.objects.filter(merged_into=c).values_list("pk", flat=True)) == {a.pk, b.pk}


def test_given_merged_contact_when_merging_again_then_not_found(pair, system_actor, make_contact):
    survivor, loser = pair
    contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    third = make_contact(email="c@example.com")
    with pytest.raises(NotFound):
        contact_merge(survivor_id=third.pk, loser_id=loser.pk, actor=system_actor)
    with pytest.raises(NotFound):
        contact_merge(survivor_id=loser.pk, loser_id=third.pk, actor=system_actor)


@pytest.mark.parametrize("choices,field", [({"first_name": "both"}, "first_name"), ({"password": "loser"}, "password")])
def test_given_bad_choices_when_merging_then_refused_and_nothing_changes(pair, system_actor, choices, field):
    survivor, loser = pair
    with pytest.raises(ValidationFailed) as caught:
        contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor, choices=choices)
    assert field in caught.value.fields
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_given_same_contact_twice_when_merging_then_refused(pair, system_actor):
    survivor, _loser = pair
    with pytest.raises(ValidationFailed):
        contact_merge(survivor_id=survivor.pk, loser_id=survivor.pk, actor=system_actor)


def test_given_older_created_loser_when_merging_then_survivor_created_at_is_earliest(pair, system_actor):
    survivor, loser = pair
    Contact.objects.filter(pk=loser.pk).update(created_at=survivor.created_at - dt.timedelta(days=3))
    merged = contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=system_actor)
    assert merged.created_at == survivor.created_at - dt.timedelta(days=3)
    assert merged.channel == "cold_call"  # first touch of the older record
