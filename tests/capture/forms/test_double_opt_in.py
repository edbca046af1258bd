"""The form's double opt-in setting: in the builder beside the consent settings, in the API,
and at submission the consent waits (the mail app confirms it: tests/mail/optin)."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.capture.forms.models import Form, FormSubmission
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.models import EventRecord
from tests.capture.forms.support import make_form, post_json, submission_body
from tests.capture.forms.test_staff import _builder_post

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_given_the_builder_when_double_opt_in_ticked_then_saved_and_shown_again(marketer):
    client = _client(marketer)
    assert 'name="double_opt_in"' in client.get("/forms/new/").content.decode()
    response = client.post("/forms/new/", _builder_post(double_opt_in="on"))
    assert response.status_code == 302
    assert Form.objects.get().double_opt_in is True
    page = client.get("/forms/webinar/edit/").content.decode()
    assert 'name="double_opt_in" checked' in page


def test_given_double_opt_in_without_the_consent_box_then_refused_beside_the_setting(marketer):
    response = _client(marketer).post("/forms/new/", _builder_post(double_opt_in="on", consent_enabled=""))
    assert response.status_code == 422 and "show the consent checkbox too" in response.content.decode()
    assert not Form.objects.exists()


def test_given_the_api_then_double_opt_in_is_read_and_written(write_api):
    make_form()
    changed = write_api.patch("/api/v1/forms/contact-us", {"double_opt_in": True})
    assert changed.status_code == 200, changed.content
    assert changed.json()["double_opt_in"] is True
    refused = write_api.patch("/api/v1/forms/contact-us", {"double_opt_in": "yes"})
    assert refused.status_code == 422 and "double_opt_in" in refused.json()["error"]["fields"]


def test_given_double_opt_in_when_submitted_with_consent_then_consent_pending_not_subscribed():
    form = make_form(double_opt_in=True)
    post_json(form.slug, submission_body())
    run_pending_jobs()
    contact = Contact.objects.get(email="sara@example.com")
    assert contact.consent == "not_asked" and contact.consent_method == ""
    assert FormSubmission.objects.get().consent_given is True  # the proof is kept on the submission
    row = Activity.objects.get(contact=contact, kind="form_submitted")
    assert row.data["consent_pending"] is True
    event = EventRecord.objects.get(name="form.submitted")
    assert event.payload["consent_pending"] is True


def test_given_no_thank_you_message_then_the_visitor_is_told_to_check_their_inbox():
    form = make_form(double_opt_in=True, thank_you_message={})
    answer = post_json(form.slug, submission_body())
    assert "check your inbox" in answer.json()["message"]
