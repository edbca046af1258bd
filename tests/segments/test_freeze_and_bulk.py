"""Freezing a segment into a static list (the service), and the contact list's bulk action
"Add to list"."""

from __future__ import annotations

import pytest

from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.models import EventRecord
from sarnakh.segments import services
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from tests.segments.support import PRICING_TWICE, page_view, person

pytestmark = pytest.mark.django_db


def members(segment_id: int) -> set[int]:
    return set(SegmentMembership.objects.filter(segment_id=segment_id).values_list("contact_id", flat=True))


@pytest.fixture
def readers(db):
    ids = [person(f"reader{i}@example.com") for i in range(3)]
    for cid in ids[:2]:
        page_view(cid, "/pricing", days_ago=1)
        page_view(cid, "/pricing", days_ago=2)
    return ids


def test_given_a_segment_when_frozen_then_a_static_list_has_its_members_with_history_and_events(readers):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)
    before = EventRecord.objects.filter(name="segment.entered").count()

    frozen = services.segment_freeze(segment_id=segment.pk, name="  Pricing in March ")

    assert (frozen.kind, frozen.name, frozen.member_count, frozen.filter) == ("static", "Pricing in March", 2, {})
    assert members(frozen.pk) == set(readers[:2]) == members(segment.pk)
    history = SegmentMembershipChange.objects.filter(segment=frozen)
    assert sorted(history.values_list("contact_id", "change", "reason")) == [
        (cid, "entered", "frozen from segment") for cid in sorted(readers[:2])]
    events = EventRecord.objects.filter(name="segment.entered", payload__segment_id=frozen.pk)
    assert events.count() == 2 and EventRecord.objects.filter(name="segment.entered").count() == before + 2
    # the frozen list no longer follows the filter
    page_view(readers[2], "/pricing", days_ago=1)
    page_view(readers[2], "/pricing", days_ago=1)
    services.segment_refresh(segment_id=segment.pk)
    assert readers[2] in members(segment.pk) and readers[2] not in members(frozen.pk)


def test_given_bad_input_when_freezing_then_it_is_refused_and_nothing_is_made(readers):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    with pytest.raises(ValidationFailed) as error:
        services.segment_freeze(segment_id=segment.pk, name=" ")
    assert "name" in error.value.fields
    with pytest.raises(NotFound):
        services.segment_freeze(segment_id=segment.pk + 99, name="x")
    assert Segment.objects.count() == 1


def test_given_an_empty_segment_when_frozen_then_the_list_is_empty(db):
    segment = services.segment_create(name="Nobody", filter={"match": "any", "conditions": []})

    frozen = services.segment_freeze(segment_id=segment.pk, name="Empty")

    assert frozen.member_count == 0 and not members(frozen.pk)


def test_given_ticked_contacts_when_added_to_a_list_by_the_bulk_action_then_they_join_it(marketer_client, readers):
    static = services.segment_create(name="Guests", kind="static")
    assert '<option value="add_to_list">Add to list</option>' in marketer_client.get("/contacts/").content.decode()

    response = marketer_client.post("/contacts/bulk/", {"action": "add_to_list", "add_to_list": str(static.pk),
                                                        "ids": [str(readers[0]), str(readers[2])], "next": "/contacts/"}, follow=True)

    assert members(static.pk) == {readers[0], readers[2]}
    assert "2 contacts added to Guests." in response.content.decode()
    assert list(SegmentMembershipChange.objects.filter(segment=static).values_list("reason", flat=True)) == ["added by hand"] * 2


def test_given_no_list_chosen_when_the_bulk_action_runs_then_it_says_so_and_adds_nothing(marketer_client, readers):
    dynamic = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    response = marketer_client.post("/contacts/bulk/", {"action": "add_to_list", "add_to_list": str(dynamic.pk),
                                                        "ids": [str(readers[2])], "next": "/contacts/"}, follow=True)

    assert "Choose a static list." in response.content.decode() and readers[2] not in members(dynamic.pk)


def test_given_no_static_list_then_the_bulk_action_is_not_offered(marketer_client, readers):
    assert "add_to_list" not in marketer_client.get("/contacts/").content.decode()
