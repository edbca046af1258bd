"""Each change scores its contact exactly once: a form submission, an import batch, a
tracked event and an API update each publish their domain events in one transaction, and
scoring reacts to the transaction's events once. (Before the events, one hosted-form
submission scored its contact three times.)

Transactional, so the fast reaction to new behaviour runs on commit as in production."""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client

from sarnakh.contacts.models import Contact
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.apikeys import apikey_create
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.scoring import services
from sarnakh.scoring.models import ContactScore
from sarnakh.tracking.processor import process_all_pending
from tests.capture.forms.support import human_token, make_form
from tests.capture.imports.conftest import run_import, write_csv
from tests.scoring.test_models_services import ensure_scoring_defaults
from tests.tracking.factories import make_site, page_view, post_events, track

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def scoring_defaults():
    ensure_scoring_defaults()


@pytest.fixture
def scorings(monkeypatch):
    """How many times each contact was scored."""
    counts: Counter[int] = Counter()
    real = services.contact_score_refresh

    def counting(*, contact_id, **kwargs):
        counts[contact_id] += 1
        return real(contact_id=contact_id, **kwargs)

    monkeypatch.setattr(services, "contact_score_refresh", counting)
    return counts


def settle():
    """Everything the change set off, to the end: jobs, event processing, jobs again."""
    for _round in range(3):
        run_pending_jobs()
        process_all_pending()
    run_pending_jobs()


def test_a_hosted_form_submission_scores_its_contact_once(scorings):
    # given a form and a visitor who browsed the site before
    form = make_form()
    site = make_site()
    post_events(Client(), {"site_key": site.key, "events": [page_view("v-77", "https://www.example.com/pricing")]})
    settle()
    # when the visitor submits the hosted form
    response = Client().post(
        f"/f/{form.slug}", {"email": "sara@acme-industries.com", "first_name": "Sara", "_ts": human_token(form), "_hp": "", "_visitor_id": "v-77"},
    )
    assert response.status_code == 303, response.content  # to the thank-you page
    settle()
    # then the new contact was scored once, with the form and the earlier visit in it
    contact = Contact.objects.get(email="sara@acme-industries.com")
    assert scorings[contact.pk] == 1
    rules = {item["rule"] for item in ContactScore.objects.get(contact=contact).breakdown["breakdown"]}
    assert {"form_submitted", "pricing_page"} <= rules


def test_an_import_batch_scores_each_contact_once(scorings, tmp_path, admin_user):
    csv = "email,first_name,job_title\n" + "".join(f"p{n}@acme-example.com,P{n},Sales Manager\n" for n in range(5))
    run_import(write_csv(tmp_path, csv), Actor(source="import", user=admin_user, label="admin"), engine="batch")
    settle()
    ids = set(Contact.objects.values_list("pk", flat=True))
    assert len(ids) == 5 and {scorings[i] for i in ids} == {1}


def test_a_tracked_event_scores_its_contact_once(scorings):
    contact = contact_upsert(data={"email": "reza@acme-industries.com"}, actor=Actor.system()).contact
    settle()
    scorings.clear()
    key = apikey_create(name="server", scope="write").raw_key
    response = post_events(
        Client(), {"events": [track("", "demo_requested", properties={}) | {"email": "reza@acme-industries.com"}]}, origin="", auth=key,
    )
    assert response.status_code == 202, response.content
    settle()
    assert scorings == Counter({contact.pk: 1})


def test_an_api_update_scores_its_contact_once(scorings):
    contact = contact_upsert(data={"email": "nima@acme-industries.com"}, actor=Actor.system()).contact
    settle()
    scorings.clear()
    key = apikey_create(name="writer", scope="write").raw_key
    response = Client().patch(
        f"/api/v1/contacts/{contact.pk}", data={"job_title": "Head of Sales", "tags": ["vip"]}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    settle()
    assert scorings == Counter({contact.pk: 1})
