"""Membership follows the contacts through domain events (transactional: subscribers run
on commit and from the queue, as in production)."""

from __future__ import annotations

import pytest

from sarnakh.contacts.services import contact_delete, contact_update, contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.segments import services
from sarnakh.segments.models import SegmentMembership, SegmentMembershipChange

pytestmark = pytest.mark.django_db(transaction=True)

IRAN = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}]}


def test_given_a_segment_when_a_contact_is_created_updated_and_deleted_then_it_enters_and_leaves():
    actor = Actor.system()
    segment = services.segment_create(name="Iran", filter=IRAN)
    contact = contact_upsert(data={"email": "sara@example.com", "country": "DE"}, actor=actor).contact
    run_pending_jobs()
    assert not SegmentMembership.objects.filter(segment=segment).exists()
    # contact.updated is fast: membership follows on commit, before any job runs
    contact_update(contact_id=contact.pk, data={"country": "IR"}, actor=actor)
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk).exists()
    entered = EventRecord.objects.get(name="segment.entered")
    assert entered.contact_id == contact.pk and entered.payload["reason"] == "contact.updated"
    run_pending_jobs()
    contact_delete(contact_id=contact.pk, actor=actor)
    run_pending_jobs()
    assert not SegmentMembership.objects.filter(segment=segment).exists()
    assert list(SegmentMembershipChange.objects.values_list("change", flat=True)) == ["entered", "left"]
