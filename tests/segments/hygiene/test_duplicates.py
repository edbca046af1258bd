"""Duplicates on the database: found among live contacts, merged in bulk with contacts' merge
(its timeline row), dismissals that stick."""

from __future__ import annotations

import pytest

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts.models import Contact
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.segments.hygiene import selectors, services
from sarnakh.segments.hygiene.models import DuplicateDismissal

pytestmark = pytest.mark.django_db


def found_pairs() -> set[tuple[int, int]]:
    return {(c.a, c.b) for c in selectors.duplicate_candidates().candidates}


def key(pair) -> tuple[int, int]:
    a, b = pair
    return (min(a.pk, b.pk), max(a.pk, b.pk))


def test_given_planted_duplicates_then_exactly_they_are_found(planted):
    assert found_pairs() == {key(planted["gmail"]), key(planted["arabic"]), key(planted["phone"])}


def test_given_selected_pairs_when_merged_in_bulk_then_the_older_survives_with_the_merge_timeline_row(planted):
    # given two candidate pairs, the older record first in each
    older, newer = planted["gmail"]
    older2, newer2 = planted["arabic"]
    # when both are merged in one batch
    outcome = services.duplicates_merge(pairs=[(older.pk, newer.pk), (older2.pk, newer2.pk)], actor=Actor.system("test"))
    # then both losers point at their survivor, and each survivor's timeline has contacts' merge row
    assert outcome.merged == [(older.pk, newer.pk), (older2.pk, newer2.pk)] and outcome.skipped == []
    assert Contact.objects.get(pk=newer.pk).merged_into_id == older.pk
    assert Contact.objects.get(pk=newer2.pk).merged_into_id == older2.pk
    rows, _next = contacts.contact_timeline(older.pk)
    merged = [r for r in rows if r.kind == "merged"]
    assert len(merged) == 1 and merged[0].data["merged_id"] == newer.pk
    # and the merged pairs are no longer candidates
    assert found_pairs() == {key(planted["phone"])}


def test_given_a_chain_in_one_batch_then_the_second_pair_follows_the_first_merge(planted):
    a, b = planted["gmail"]
    outcome = services.duplicates_merge(pairs=[(a.pk, b.pk), (b.pk, a.pk)], actor=Actor.system("test"))
    assert outcome.merged == [(a.pk, b.pk)]
    assert len(outcome.skipped) == 1 and outcome.skipped[0][:2] == (b.pk, a.pk)


def test_given_the_default_then_the_older_record_is_the_survivor(planted):
    older, newer = planted["phone"]
    assert services.default_survivor(newer.pk, older.pk) == older.pk


def test_given_too_many_or_no_pairs_then_the_merge_is_refused_and_nothing_changes(planted):
    a, b = planted["gmail"]
    with pytest.raises(ValidationFailed):
        services.duplicates_merge(pairs=[], actor=Actor.system("test"))
    with pytest.raises(ValidationFailed):
        services.duplicates_merge(pairs=[(a.pk, b.pk)] * (services.MAX_MERGES + 1), actor=Actor.system("test"))
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_given_a_dismissed_pair_then_it_does_not_come_back_and_dismissing_twice_keeps_one_record(planted):
    # given a pair marked as two people, in either order
    a, b = planted["arabic"]
    services.duplicate_dismiss(contact_ids=(b.pk, a.pk), actor=Actor.system("test"))
    services.duplicate_dismiss(contact_ids=(a.pk, b.pk), actor=Actor.system("test"))
    # then it is stored once, and the finder leaves it out, also when asked afresh
    assert DuplicateDismissal.objects.count() == 1
    assert key(planted["arabic"]) not in found_pairs()
    assert key(planted["arabic"]) not in {(c.a, c.b) for c in selectors.duplicate_candidates(fresh=True).candidates}
    assert key(planted["gmail"]) in found_pairs()


def test_given_bad_dismissals_then_each_is_refused(planted):
    a, _b = planted["gmail"]
    with pytest.raises(ValidationFailed):
        services.duplicate_dismiss(contact_ids=(a.pk, a.pk), actor=Actor.system("test"))
    with pytest.raises(Exception, match="not found"):
        services.duplicate_dismiss(contact_ids=(a.pk, 999999), actor=Actor.system("test"))
    assert DuplicateDismissal.objects.count() == 0


def test_given_a_batch_of_dismissals_with_one_bad_pair_then_none_is_stored(planted):
    a, b = planted["gmail"]
    c, _d = planted["arabic"]
    with pytest.raises(ValidationFailed):
        services.duplicates_dismiss(pairs=[(a.pk, b.pk), (c.pk, c.pk)], actor=Actor.system("test"))
    assert DuplicateDismissal.objects.count() == 0
    assert services.duplicates_dismiss(pairs=[(a.pk, b.pk)], actor=Actor.system("test")) == 1


def test_given_a_pair_merged_since_the_page_was_read_then_merging_it_again_is_skipped_not_an_error(planted):
    older, newer = planted["gmail"]
    services.duplicates_merge(pairs=[(older.pk, newer.pk)], actor=Actor.system("test"))
    survivor = services.default_survivor(newer.pk, older.pk)
    outcome = services.duplicates_merge(pairs=[(survivor, older.pk if survivor == newer.pk else newer.pk)], actor=Actor.system("test"))
    assert outcome.merged == [] and len(outcome.skipped) == 1
