"""Segments that name other segments: the `segment` condition (SQL = Python), membership that
follows the named segment, dependency order, and cycles and deletes refused."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.contacts.services import contact_update, contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.filters.compile import evaluate, load_facts, matching_contacts, parse_filter
from sarnakh.core.filters.tree import FilterError
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.segments import services
from sarnakh.segments.models import Segment, SegmentMembership
from sarnakh.segments.references import cycle_through, dependency_order, referenced

IRAN = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}]}


def in_segments(*ids: int, op: str = "in") -> dict:
    return {"match": "all", "conditions": [{"field": "segment", "op": op, "value": list(ids)}]}


def members(segment: Segment) -> set[int]:
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def people(*countries: str) -> list[int]:
    return [contact_upsert(data={"email": f"p{i}@example.com", "country": c}, actor=Actor.system()).contact.pk
            for i, c in enumerate(countries)]


# ---------------------------------------------------------------- pure references


def test_referenced_finds_ids_in_nested_groups_and_ignores_other_fields():
    tree = {"match": "any", "conditions": [
        {"field": "segment", "op": "in", "value": [3, 4]},
        {"match": "all", "not": True, "conditions": [{"field": "segment", "op": "not_in", "value": [7]},
                                                       {"field": "country", "op": "eq", "value": "IR"}]}]}
    assert referenced(tree) == {3, 4, 7}
    assert referenced({"match": "all", "conditions": []}) == set() and referenced(None) == set()


def test_dependency_order_puts_named_segments_first_and_survives_a_cycle():
    filters = {1: in_segments(3), 2: {}, 3: in_segments(2), 4: in_segments(1, 2)}
    order = dependency_order(filters)
    assert sorted(order) == [1, 2, 3, 4]
    assert order.index(2) < order.index(3) < order.index(1) < order.index(4)
    assert sorted(dependency_order({1: in_segments(2), 2: in_segments(1)})) == [1, 2]  # placed once each


def test_cycle_through_returns_the_path_back():
    filters = {2: in_segments(3), 3: in_segments(1)}
    assert cycle_through(1, {2}, filters) == [1, 2, 3, 1]
    assert cycle_through(1, {3}, {3: {}}) is None


# ---------------------------------------------------------------- the condition


@pytest.mark.django_db
def test_given_lists_when_filtering_on_membership_then_sql_and_python_agree():
    ids = people("IR", "DE", "IR", "FR")
    a = services.segment_create(name="A", kind="static")
    b = services.segment_create(name="B", kind="static")
    services.list_add(segment_id=a.pk, contact_ids=ids[:2])
    services.list_add(segment_id=b.pk, contact_ids=ids[1:3])
    facts = load_facts(ids)
    for data, expected in [(in_segments(a.pk), ids[:2]), (in_segments(a.pk, b.pk), ids[:3]),
                           (in_segments(a.pk, op="not_in"), ids[2:]), (in_segments(a.pk, b.pk, op="not_in"), ids[3:])]:
        tree = parse_filter(data)
        assert sorted(matching_contacts(tree).values_list("pk", flat=True)) == expected
        assert [cid for cid in ids if evaluate(tree, facts[cid])] == expected


@pytest.mark.django_db
def test_given_unknown_ids_or_wrong_values_then_the_error_names_the_item():
    lst = services.segment_create(name="A", kind="static")
    with pytest.raises(FilterError) as error:
        parse_filter(in_segments(lst.pk, 999_999))
    assert error.value.path == "conditions[0].value[1]"
    for value in ([], "1", [True], [1.5]):
        with pytest.raises(FilterError) as error:
            parse_filter({"match": "all", "conditions": [{"field": "segment", "op": "in", "value": value}]})
        assert error.value.path == "conditions[0].value"
    with pytest.raises(FilterError):
        parse_filter({"match": "all", "conditions": [{"field": "segment", "op": "eq", "value": [lst.pk]}]})


# ---------------------------------------------------------------- cycles and deletes


@pytest.mark.django_db
def test_given_segments_naming_each_other_when_a_cycle_would_close_then_refused_and_nothing_changes():
    a = services.segment_create(name="Iran", filter=IRAN)
    b = services.segment_create(name="In Iran", filter=in_segments(a.pk))
    c = services.segment_create(name="In In Iran", filter=in_segments(b.pk))
    for target, data in [(a, in_segments(c.pk)), (a, in_segments(a.pk)), (b, in_segments(b.pk, a.pk))]:
        with pytest.raises(ValidationFailed) as error:
            services.segment_update(segment_id=target.pk, filter=data)
        assert "filter" in error.value.fields
    assert "“Iran” → “In In Iran” → “In Iran” → “Iran”" in str(
        pytest.raises(ValidationFailed, services.segment_update, segment_id=a.pk, filter=in_segments(c.pk)).value.fields)
    a.refresh_from_db()
    assert a.filter == IRAN


@pytest.mark.django_db
def test_given_a_segment_named_by_another_when_deleted_then_refused_naming_the_user():
    lst = services.segment_create(name="Trade show", kind="static")
    services.segment_create(name="Show visitors", filter=in_segments(lst.pk))
    with pytest.raises(ValidationFailed) as error:
        services.segment_delete(segment_id=lst.pk)
    assert "Show visitors" in str(error.value.fields["segment"])
    assert Segment.objects.filter(pk=lst.pk).exists()


# ---------------------------------------------------------------- following the named segment


@pytest.mark.django_db
def test_given_a_chain_when_a_contact_changes_then_one_reevaluation_settles_every_level():
    # the referring segment has the lower id, so id order alone would read a stale membership
    outer = services.segment_create(name="Outer", filter=IRAN)
    inner = services.segment_create(name="Iran", filter=IRAN)
    services.segment_update(segment_id=outer.pk, filter=in_segments(inner.pk))
    [cid] = people("DE")
    Contact.objects.filter(pk=cid).update(country="IR")
    services.segment_reevaluate_contacts(contact_ids=[cid], reason="contact.updated")
    assert members(inner) == {cid} and members(outer) == {cid}


@pytest.mark.django_db(transaction=True)
def test_given_a_segment_of_a_list_when_people_are_added_and_removed_then_it_follows_on_commit():
    lst = services.segment_create(name="Trade show", kind="static")
    follower = services.segment_create(name="Show visitors in Iran", filter={"match": "all", "conditions": [
        {"field": "segment", "op": "in", "value": [lst.pk]}, {"field": "country", "op": "eq", "value": "IR"}]})
    ids = people("IR", "DE")
    run_pending_jobs()
    services.list_add(segment_id=lst.pk, contact_ids=ids)
    assert members(follower) == {ids[0]}  # fast: before any job ran
    services.list_remove(segment_id=lst.pk, contact_ids=[ids[0]])
    assert members(follower) == set()
    contact_update(contact_id=ids[1], data={"country": "IR"}, actor=Actor.system())  # still in the list
    run_pending_jobs()
    assert members(follower) == {ids[1]}
    services.list_remove(segment_id=lst.pk, contact_ids=[ids[1]])
    run_pending_jobs()
    assert members(follower) == set()
