"""Segment services: validation, the set-based refresh, incremental re-evaluation, events
and history, static lists."""

from __future__ import annotations

import random

import pytest

from sarnakh.core import clock
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.filters.compile import matching_contacts
from sarnakh.core.models import EventRecord
from sarnakh.segments import selectors, services
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from tests.core.filters import world

pytestmark = pytest.mark.django_db

PRICING_FILTER = {"match": "all", "conditions": [
    {"field": "page_views", "op": "at_least", "value": {"times": 1, "days": 30, "path": "/pricing*"}},
    {"field": "consent", "op": "ne", "value": "unsubscribed"},
]}
FILTERS = [
    PRICING_FILTER,
    {"match": "any", "conditions": [{"field": "grade", "op": "gte", "value": "B"}, {"field": "tags", "op": "in", "value": ["vip"]}]},
    {"match": "all", "conditions": [{"field": "stage", "op": "in", "value": ["lead", "mql"]},
                                    {"field": "country", "op": "eq", "value": "IR"}]},
    {"match": "all", "not": True, "conditions": [{"field": "city", "op": "contains", "value": "teh"}]},
]


def members(segment_id: int) -> set[int]:
    return set(SegmentMembership.objects.filter(segment_id=segment_id).values_list("contact_id", flat=True))


def test_given_a_filter_with_an_unknown_operator_when_created_then_the_error_names_the_path_and_nothing_is_saved():
    bad = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"},
                                          {"field": "country", "op": "approximately", "value": "IR"}]}
    with pytest.raises(ValidationFailed) as error:
        services.segment_create(name="Iran", filter=bad)
    assert list(error.value.fields) == ["filter.conditions[1].op"]
    assert Segment.objects.count() == 0 and EventRecord.objects.count() == 0


def test_given_bad_names_kinds_and_filters_then_each_is_refused_naming_the_field():
    cases = [
        ({"name": "", "filter": PRICING_FILTER}, "name"),
        ({"name": "x", "kind": "smart", "filter": PRICING_FILTER}, "kind"),
        ({"name": "x"}, "filter"),
        ({"name": "x", "kind": "static", "filter": PRICING_FILTER}, "filter"),
        ({"name": "x", "filter": {"match": "all", "conditions": [{"field": "nope", "op": "eq", "value": 1}]}},
         "filter.conditions[0].field"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationFailed) as error:
            services.segment_create(**kwargs)
        assert field in error.value.fields, (kwargs, error.value.fields)
    assert Segment.objects.count() == 0


def test_given_a_world_of_contacts_when_dynamic_segments_refresh_then_members_are_exactly_the_matching_set():
    ids = world.build(seed=3, contacts=30)
    with clock.frozen_at(world.NOW):
        for i, tree in enumerate(FILTERS):
            segment = services.segment_create(name=f"s{i}", filter=tree)
            expected = set(matching_contacts(tree).values_list("pk", flat=True))
            assert members(segment.pk) == expected
            assert segment.member_count == len(expected) and segment.last_refreshed_at == world.NOW
            assert expected <= set(ids)
            # a second refresh changes nothing
            assert services.segment_refresh(segment_id=segment.pk) == (0, 0)


def test_given_a_refreshed_segment_when_contacts_join_and_leave_then_history_and_events_say_so():
    ids = world.build(seed=5, contacts=20)
    from sarnakh.contacts.models import Contact
    with clock.frozen_at(world.NOW):
        segment = services.segment_create(name="Iran", filter={"match": "all", "conditions": [
            {"field": "country", "op": "eq", "value": "IR"}]})
        before = members(segment.pk)
        entered_events = EventRecord.objects.filter(name="segment.entered")
        assert {e.contact_id for e in entered_events} == before
        assert all(e.payload["segment_id"] == segment.pk and e.payload["reason"] == "created" for e in entered_events)
        # when one member moves away and one outsider moves in (written behind the services' back)
        leaver = min(before)
        joiner = min(set(ids) - before)
        Contact.objects.filter(pk=leaver).update(country="DE")
        Contact.objects.filter(pk=joiner).update(country="IR")
        assert services.segment_refresh(segment_id=segment.pk) == (1, 1)
    # then membership, history and events follow
    assert members(segment.pk) == before - {leaver} | {joiner}
    history = list(SegmentMembershipChange.objects.filter(segment=segment, reason="refresh").values_list("contact_id", "change"))
    assert sorted(history) == sorted([(joiner, "entered"), (leaver, "left")])
    left = EventRecord.objects.get(name="segment.left")
    assert left.contact_id == leaver and left.payload["reason"] == "refresh"
    assert Segment.objects.get(pk=segment.pk).member_count == len(before)


def test_given_random_edits_when_touched_contacts_are_reevaluated_then_membership_equals_a_full_rebuild():
    from sarnakh.contacts.models import Contact
    from sarnakh.tracking.models import Event
    ids = world.build(seed=11, contacts=40)
    rng = random.Random(11)
    with clock.frozen_at(world.NOW):
        segments = [services.segment_create(name=f"s{i}", filter=tree) for i, tree in enumerate(FILTERS)]
        for step in range(25):
            cid = rng.choice(ids)
            action = rng.choice(("country", "stage", "view", "city", "consent"))
            if action == "country":
                Contact.objects.filter(pk=cid).update(country=rng.choice(("IR", "DE", "")))
            elif action == "stage":
                Contact.objects.filter(pk=cid).update(stage_id=rng.choice(world.STAGES))
            elif action == "city":
                Contact.objects.filter(pk=cid).update(city=rng.choice(("Tehran", "Berlin", "")))
            elif action == "consent":
                Contact.objects.filter(pk=cid).update(consent=rng.choice(("subscribed", "unsubscribed")))
            else:
                Event.objects.create(source="internal", event_id=f"new{step}", type="page_view", occurred_at=world.NOW,
                                     received_at=world.NOW, path="/pricing", contact_id=cid)
            services.segment_reevaluate_contacts(contact_ids=[cid], reason=action)
        incremental = {s.pk: members(s.pk) for s in segments}
        for s in segments:
            services.segment_refresh(segment_id=s.pk)
            assert members(s.pk) == incremental[s.pk], s.name
            assert Segment.objects.get(pk=s.pk).member_count == len(incremental[s.pk])
    # the rebuild found nothing the incremental path had missed
    assert not SegmentMembershipChange.objects.filter(reason="refresh").exists()


def test_given_a_static_list_when_contacts_are_added_and_removed_then_history_and_events_follow():
    ids = world.build(seed=2, contacts=6)
    segment = services.segment_create(name="Trade show", kind="static")
    assert services.list_add(segment_id=segment.pk, contact_ids=ids[:3]) == 3
    assert services.list_add(segment_id=segment.pk, contact_ids=ids[:4]) == 1
    assert services.list_remove(segment_id=segment.pk, contact_ids=[ids[0], ids[5]]) == 1
    assert members(segment.pk) == set(ids[1:4])
    assert Segment.objects.get(pk=segment.pk).member_count == 3
    assert EventRecord.objects.filter(name="segment.entered").count() == 4
    assert EventRecord.objects.filter(name="segment.left").count() == 1
    assert list(selectors.changes_of(segment.pk).values_list("change", flat=True)) == ["entered"] * 4 + ["left"]
    # an unknown id adds nobody, naming the field
    with pytest.raises(ValidationFailed) as error:
        services.list_add(segment_id=segment.pk, contact_ids=[ids[4], 10**9])
    assert "contact_ids" in error.value.fields and members(segment.pk) == set(ids[1:4])
    # a static list is not refreshed, a dynamic segment takes no hand-added members
    with pytest.raises(ValidationFailed):
        services.segment_refresh(segment_id=segment.pk)
    dynamic = services.segment_create(name="d", filter=PRICING_FILTER)
    with pytest.raises(ValidationFailed):
        services.list_add(segment_id=dynamic.pk, contact_ids=ids[:1])


def test_given_members_when_a_contact_is_deleted_then_it_leaves_lists_and_segments_on_reevaluation():
    from sarnakh.contacts.models import Contact
    ids = world.build(seed=2, contacts=6)
    listed = services.segment_create(name="list", kind="static")
    services.list_add(segment_id=listed.pk, contact_ids=ids)
    everyone = services.segment_create(name="all", filter={"match": "all", "conditions": []})
    Contact.objects.filter(pk=ids[0]).delete()
    services.segment_reevaluate_contacts(contact_ids=[ids[0]], reason="contact.deleted")
    assert ids[0] not in members(listed.pk) and ids[0] not in members(everyone.pk)
    assert SegmentMembershipChange.objects.filter(contact_id=ids[0], change="left").count() == 2


def test_given_a_segment_when_its_filter_changes_then_it_is_refreshed_and_delete_removes_everything():
    world.build(seed=4, contacts=10)
    segment = services.segment_create(name="all", filter={"match": "all", "conditions": []})
    assert segment.member_count == 10
    segment = services.segment_update(segment_id=segment.pk, filter={"match": "any", "conditions": []}, name="none")
    assert segment.member_count == 0 and segment.name == "none"
    assert SegmentMembershipChange.objects.filter(reason="filter changed", change="left").count() == 10
    services.segment_delete(segment_id=segment.pk)
    assert not Segment.objects.exists() and not SegmentMembershipChange.objects.exists()


def test_given_a_tree_50_levels_deep_or_1000_conditions_then_each_is_refused_and_nothing_saved():
    deep: dict = {"field": "country", "op": "eq", "value": "IR"}
    for _ in range(50):
        deep = {"match": "all", "conditions": [deep]}
    wide = {"match": "any", "conditions": [{"field": "country", "op": "eq", "value": f"C{i}"} for i in range(1000)]}
    for tree in (deep, wide):
        with pytest.raises(ValidationFailed) as error:
            services.segment_create(name="too big", filter=tree)
        assert all(key.startswith("filter") for key in error.value.fields), error.value.fields
    assert not Segment.objects.exists() and not EventRecord.objects.exists()


def test_given_two_members_when_one_is_merged_into_the_other_then_the_merged_one_leaves():
    from sarnakh.contacts.merge import contact_merge
    from sarnakh.core.actor import Actor
    from sarnakh.core.events import Envelope, event_from
    from sarnakh.segments.subscribers import touched_contacts

    ids = world.build(seed=2, contacts=2)
    segment = services.segment_create(name="all", filter={"match": "all", "conditions": []})
    contact_merge(survivor_id=ids[0], loser_id=ids[1], actor=Actor.system(), choices={})
    touched = touched_contacts([Envelope(id=e.pk, name=e.name, occurred_at=e.occurred_at, actor=e.actor,
                                         event=event_from(e.name, e.payload))
                                for e in EventRecord.objects.filter(name="contact.merged")])
    assert touched == sorted(ids)
    services.segment_reevaluate_contacts(contact_ids=touched, reason="contact.merged")
    assert members(segment.pk) == {ids[0]}


@pytest.mark.parametrize("tree", FILTERS)
def test_given_a_filter_being_edited_when_previewed_then_the_count_and_the_newest_sample_are_those_of_the_filter(tree):
    # given contacts with behaviour, scores and fields
    world.build(seed=11, contacts=40)
    with clock.frozen_at(world.NOW):
        expected = list(matching_contacts(tree).order_by("-pk").values_list("pk", flat=True))
        # when the builder asks for the live count and a sample of 5
        total, sample = selectors.live_preview(tree, sample=5)
    # then the count is every match and the sample the newest five, with their names
    assert total == len(expected)
    assert [row["pk"] for row in sample] == expected[:5]
    assert all(set(row) == {"pk", "email", "first_name", "last_name"} for row in sample)
