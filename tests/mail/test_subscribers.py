"""Segments follow suppression and topic opt-outs (mail's subscriber asks segments to re-decide)."""

from __future__ import annotations

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.subscriptions import services as subscriptions
from sarnakh.segments import services as segments
from sarnakh.segments.models import SegmentMembership

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_a_topic_segment_when_a_contact_leaves_the_topic_then_they_enter_on_commit():
    subscriptions.topic_seed_defaults()  # a transactional test's flush empties the seeded topics
    contact = contact_upsert(data={"email": "mina@example.com", "consent": "subscribed"}, actor=Actor.system()).contact
    run_pending_jobs()
    segment = segments.segment_create(name="Left the newsletter", filter={"match": "all", "conditions": [
        {"field": "topic_opted_out", "op": "in", "value": ["newsletter"]}]})
    assert not SegmentMembership.objects.filter(segment=segment).exists()
    # when the contact leaves one topic (no consent change: only email.unsubscribed says so)
    subscriptions.topic_opt_out(contact_id=contact.pk, topic_key="newsletter", how="preference_centre")
    # then, before any job ran, the contact is a member
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk, reason="email.unsubscribed").exists()


def test_given_a_suppressed_segment_when_a_contact_complains_then_they_enter_on_commit(settings, tmp_path):
    from sarnakh.mail.bounces import services as bounces
    from sarnakh.mail.delivery import services as delivery
    from tests.mail.bounces.conftest import report

    subscriptions.topic_seed_defaults()
    contact = contact_upsert(data={"email": "mina@example.com", "consent": "subscribed"}, actor=Actor.system()).contact
    row = delivery.email_send(to="mina@example.com", idempotency_key="n1", subject="News", html="<p>Hi</p>", text="Hi",
                              kind="marketing", contact_id=contact.pk)
    run_pending_jobs()
    segment = segments.segment_create(name="Complained", filter={"match": "all", "conditions": [
        {"field": "email_suppression_reason", "op": "in", "value": ["complaint"]}]})
    # when an ARF complaint for the message is read (only email.complained says so)
    bounces.report_apply(raw=report("arf_complaint.eml", row=row))
    # then, before any job ran, the contact is a member
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact.pk, reason="email.complained").exists()
