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


def test_given_a_pricing_segment_when_the_second_pricing_visit_is_processed_then_the_contact_enters_before_any_job(client):
    from sarnakh.tracking.processor import process_all_pending
    from tests.tracking.factories import make_site, page_view, post_events

    # given a known visitor and a segment "viewed /pricing at least twice in 14 days"
    site = make_site()
    contact = contact_upsert(data={"email": "sara@acme.example"}, actor=Actor.system()).contact
    segment = services.segment_create(name="Pricing twice", filter={"match": "all", "conditions": [
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}}]})

    def send(events):
        assert post_events(client, {"site_key": site.key, "events": events}).status_code == 202

    send([{"type": "identify", "visitor_id": "v1", "properties": {"email": "sara@acme.example"}},
          page_view("v1", "https://www.example.com/pricing")])
    process_all_pending()
    run_pending_jobs()
    assert not SegmentMembership.objects.filter(segment=segment).exists()
    # when the second pricing visit is processed
    send([page_view("v1", "https://www.example.com/pricing/team")])
    process_all_pending()
    # then, before any job ran, the contact is a member, with the event to say so
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk).exists()
    entered = EventRecord.objects.get(name="segment.entered")
    # whichever fast subscriber ran first: the visit itself, or the score it changed
    assert entered.contact_id == contact.pk and entered.payload["reason"] in ("behaviour.recorded", "contact.score_changed")


def test_given_a_large_batch_of_touched_contacts_then_it_is_handed_to_a_job_of_its_own():
    import datetime as dt

    from django_tasks_db.models import DBTaskResult

    from sarnakh.capture.events import ImportBatchWritten
    from sarnakh.core.events import Envelope
    from sarnakh.segments.subscribers import reevaluate

    services.segment_create(name="Iran", filter=IRAN)
    envelope = Envelope(id=1, name="import.batch_written", occurred_at=dt.datetime.now(dt.UTC), actor="",
                        event=ImportBatchWritten(import_id=1, created_ids=list(range(1, 602)), updated_ids=[]))
    reevaluate([envelope])
    [job] = [j for j in DBTaskResult.objects.filter(status="READY") if j.task_path.endswith("reevaluate_contacts")]
    assert len(job.args_kwargs["args"][0]) == 601


def test_given_a_score_segment_when_a_contact_is_rescored_then_membership_follows_on_commit():
    from sarnakh.scoring.models import ContactScore
    from sarnakh.scoring.services import contact_score_refresh

    # given a contact whose stored score is 10 below what the rules give, outside "score > rules − 5"
    contact = contact_upsert(data={"email": "sara@example.com", "job_title": "CEO"}, actor=Actor.system()).contact
    run_pending_jobs()
    score = ContactScore.objects.get(contact=contact, model__is_default=True)
    ContactScore.objects.filter(pk=score.pk).update(score=score.score - 10, engagement=score.engagement - 10)
    segment = services.segment_create(name="Scored", filter={"match": "all", "conditions": [
        {"field": "score", "op": "gt", "value": float(score.score) - 5}]})
    assert not SegmentMembership.objects.filter(segment=segment).exists()
    # when the contact is re-scored (the rules give the higher score back)
    contact_score_refresh(contact_id=contact.pk)
    # then contact.score_changed says so and the contact is a member before any job ran
    assert EventRecord.objects.filter(name="contact.score_changed", contact_id=contact.pk).exists()
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk).exists()
    assert EventRecord.objects.get(name="segment.entered").payload["reason"] == "contact.score_changed"


def test_given_a_bulk_rescore_that_changes_scores_then_one_event_and_the_segments_are_rebuilt_by_a_job():
    from sarnakh.scoring.models import ContactScore
    from sarnakh.scoring.services import contacts_rescore_all

    contact = contact_upsert(data={"email": "sara@example.com", "job_title": "CEO"}, actor=Actor.system()).contact
    run_pending_jobs()
    score = ContactScore.objects.get(contact=contact, model__is_default=True)
    ContactScore.objects.filter(pk=score.pk).update(score=score.score - 10, engagement=score.engagement - 10)
    segment = services.segment_create(name="Scored", filter={"match": "all", "conditions": [
        {"field": "score", "op": "gt", "value": float(score.score) - 5}]})
    contacts_rescore_all()
    assert EventRecord.objects.filter(name="scoring.rescored").count() == 1
    assert not EventRecord.objects.filter(name="contact.score_changed", contact_id=contact.pk,
                                          id__gt=EventRecord.objects.get(name="scoring.rescored").pk).exists()
    run_pending_jobs()
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk).exists()
