"""Bulk actions: one transaction, one timeline row per changed contact."""

import pytest

from sarnakh.contacts.bulk import services as bulk
from sarnakh.contacts.models import Activity, Contact, StageChange
from sarnakh.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(make_contact):
    return [make_contact(email=f"{n}@example.com", stage=stage) for n, stage in [("a", "lead"), ("b", "sql"), ("c", "recycled")]]


def test_given_contacts_when_setting_owner_then_changed_ones_get_timeline_rows(three, system_actor, admin_user):
    Contact.objects.filter(pk=three[0].pk).update(owner=admin_user)
    changed = bulk.contacts_set_owner(contact_ids=[c.pk for c in three], owner_id=admin_user.pk, actor=system_actor)
    assert changed == 2
    assert Contact.objects.filter(owner=admin_user).count() == 3
    assert Activity.objects.filter(kind="owner_changed").count() == 2


def test_given_unknown_owner_when_bulk_setting_then_refused(three, system_actor):
    with pytest.raises(ValidationFailed):
        bulk.contacts_set_owner(contact_ids=[three[0].pk], owner_id=999999, actor=system_actor)


def test_given_contacts_when_adding_tag_then_only_untagged_get_it_once(three, system_actor):
    assert bulk.contacts_add_tag(contact_ids=[three[0].pk], tag="vip", actor=system_actor) == 1
    assert bulk.contacts_add_tag(contact_ids=[c.pk for c in three], tag=" vip ", actor=system_actor) == 2
    assert all(list(c.tags.values_list("name", flat=True)) == ["vip"] for c in three)
    assert Activity.objects.filter(kind="tagged").count() == 3


def test_given_mixed_stages_when_bulk_moving_then_backward_moves_skipped(three, system_actor):
    moved, skipped = bulk.contacts_move_forward(contact_ids=[c.pk for c in three], stage_key="mql", actor=system_actor)
    assert (moved, skipped) == (2, 1)
    assert dict(Contact.objects.values_list("email", "stage")) == {"a@example.com": "mql", "b@example.com": "sql", "c@example.com": "mql"}
    assert StageChange.objects.filter(to_stage="mql").count() == 2
    assert Activity.objects.filter(kind="stage_changed", data__to="mql").count() == 2


@pytest.mark.parametrize("stage", ["disqualified", "nope"])
def test_given_side_or_unknown_stage_when_bulk_moving_then_refused(three, system_actor, stage):
    with pytest.raises(ValidationFailed):
        bulk.contacts_move_forward(contact_ids=[three[0].pk], stage_key=stage, actor=system_actor)


def test_given_no_ids_then_refused(system_actor):
    with pytest.raises(ValidationFailed):
        bulk.contacts_add_tag(contact_ids=[], tag="x", actor=system_actor)


def test_given_overlong_tag_when_bulk_tagging_then_refused(three, system_actor):
    with pytest.raises(ValidationFailed) as caught:
        bulk.contacts_add_tag(contact_ids=[three[0].pk], tag="t" * 65, actor=system_actor)
    assert "tag" in caught.value.fields
