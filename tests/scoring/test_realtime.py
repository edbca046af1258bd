"""Real time: tracked behaviour reaches the score (and the MQL stage) when the event
processor commits, without waiting for a job; field changes reach it through a job.

Transactional: scoring's fast reaction to behaviour.recorded runs on commit, as in production."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.contacts.services import contact_update, contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from sarnakh.scoring.models import ContactScore
from sarnakh.tracking.processor import process_all_pending
from tests.scoring.test_models_services import ensure_scoring_defaults
from tests.tracking.factories import make_site, page_view, post_events, track

pytestmark = pytest.mark.django_db(transaction=True)
SITE = "https://www.example.com"


@pytest.fixture(autouse=True)
def scoring_defaults():
    ensure_scoring_defaults()


def send(client, site, events):
    response = post_events(client, {"site_key": site.key, "events": events})
    assert response.status_code == 202, response.content


def known_visitor(client, site, visitor_id, email, job_title):
    contact = contact_upsert(data={"email": email, "job_title": job_title}, actor=Actor.system()).contact
    send(client, site, [{"type": "identify", "visitor_id": visitor_id, "properties": {"email": email}}])
    return contact


def test_a_manager_who_views_pricing_and_requests_a_demo_becomes_an_mql_when_the_events_are_processed(client):
    site = make_site()
    contact = known_visitor(client, site, "v1", "sara@acme-industries.com", "Sales Manager")
    # when the visitor views pricing three times and requests a demo, and the batch is processed
    send(client, site, [
        page_view("v1", f"{SITE}/pricing"), page_view("v1", f"{SITE}/pricing?plan=pro"), page_view("v1", f"{SITE}/fa/pricing"),
        track("v1", "demo_requested"),
    ])
    process_all_pending()
    # then, before any job ran, the contact is an MQL with the reason on the stage history
    contact.refresh_from_db()
    assert contact.stage_id == "mql"
    [move] = StageChange.objects.filter(contact=contact, to_stage="mql")
    assert move.source == "rule" and move.rule == "default@v1"
    assert "grade B" in move.reason and "fit 35" in move.reason
    score = ContactScore.objects.get(contact=contact)
    assert score.qualified and score.grade == "B" and score.engagement > 60, score.breakdown
    # and the crossing is announced once, as a domain event about the contact
    became = EventRecord.objects.get(name="contact.qualified")
    assert became.contact_id == contact.pk and became.payload["moved_to_mql"] is True
    # when more behaviour arrives later, the contact is not moved again
    send(client, site, [page_view("v1", f"{SITE}/case-studies/x"), track("v1", "demo_booked")])
    process_all_pending()
    run_pending_jobs()
    process_all_pending()
    assert StageChange.objects.filter(contact=contact, to_stage="mql").count() == 1
    assert EventRecord.objects.filter(name="contact.qualified").count() == 1
    assert ContactScore.objects.get(contact=contact).engagement > score.engagement


def test_a_blog_only_reader_is_scored_but_does_not_qualify(client):
    site = make_site()
    contact = known_visitor(client, site, "v2", "reza@acme-industries.com", "Sales Manager")
    send(client, site, [page_view("v2", f"{SITE}/blog/a"), page_view("v2", f"{SITE}/blog/b"), page_view("v2", f"{SITE}/blog/c")])
    process_all_pending()
    run_pending_jobs()
    contact.refresh_from_db()
    score = ContactScore.objects.get(contact=contact)
    assert contact.stage_id == "lead"
    assert not score.qualified and score.engagement == 6
    assert not EventRecord.objects.filter(name="contact.qualified").exists()


def test_a_field_change_is_rescored_by_a_job(client):
    contact = contact_upsert(data={"email": "nima@gmail.com", "job_title": "Engineer"}, actor=Actor.system()).contact
    run_pending_jobs()
    assert ContactScore.objects.get(contact=contact).fit == 0
    contact_update(contact_id=contact.pk, data={"job_title": "مدیر فروش", "properties": {"bant_budget": "بله"}}, actor=Actor.system())
    assert ContactScore.objects.get(contact=contact).fit == 0  # the request did not score: its delivery job will
    assert run_pending_jobs() == 1
    score = ContactScore.objects.get(contact=contact)
    assert score.fit == 25 and {i["rule"] for i in score.breakdown["breakdown"]} == {"manager_title", "bant_budget"}
    assert Contact.objects.get(pk=contact.pk).stage_id == "lead"
