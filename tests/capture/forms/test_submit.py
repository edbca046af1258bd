"""Public form submissions over JSON: stored raw first, validated per field, processed
into one contact behind the answer, retryable when processing fails."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

from sarnakh.capture.contact_page import FORM_SUBMITTED
from sarnakh.capture.forms.models import FormSubmission
from sarnakh.contacts import services as contact_services
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import CONSENT_EN, make_form, post_json, submission_body

pytestmark = pytest.mark.django_db


def test_given_valid_json_submission_when_posted_then_stored_raw_before_processing_and_201():
    # given
    form = make_form()
    body = submission_body()
    # when
    response = post_json(form.slug, body)
    # then: answered, stored as posted, waiting for its job
    assert response.status_code == 201, response.content
    assert response.json() == {"status": "ok", "message": "Thanks, we will call you.", "redirect": ""}
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.RECEIVED
    assert submission.fields == body["fields"]
    assert submission.context["visitor_id"] == "v-123"
    assert submission.context["utm_campaign"] == "spring"  # read from the page URL
    assert submission.ip == "127.0.0.1"
    assert submission.consent_given is True and submission.consent_text == CONSENT_EN
    assert Contact.objects.count() == 0


def test_given_stored_submission_when_job_runs_then_contact_with_source_utm_consent_and_timeline():
    # given
    form = make_form()
    post_json(form.slug, submission_body())
    # when
    run_pending_jobs()
    # then
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.PROCESSED
    contact = Contact.objects.get()
    assert submission.contact == contact
    assert (contact.email, contact.first_name, contact.company.name) == ("sara@example.com", "Sara", "Atlas Analytics")
    assert (contact.source_type, contact.channel) == ("inbound", "web_form")
    assert (contact.utm_source, contact.utm_campaign) == ("newsletter", "spring")
    assert contact.referrer == "https://news.example.org/"
    assert contact.landing_page.startswith("https://www.example.com/pricing")
    assert contact.consent == "subscribed" and contact.consent_at is not None
    assert contact.consent_method == f"form contact-us: {CONSENT_EN}"
    row = Activity.objects.get(contact=contact, kind=FORM_SUBMITTED)
    assert row.data["submission_id"] == submission.pk and row.data["form"] == "contact-us"
    assert row.data["fields"]["interest"] == "crm"
    assert row.data["visitor_id"] == "v-123"


def test_given_job_ran_twice_when_processing_then_processed_once():
    form = make_form()
    post_json(form.slug, submission_body())
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    from sarnakh.capture.forms.processing import submission_process

    submission_process(submission_id=submission.pk)
    assert Activity.objects.filter(kind=FORM_SUBMITTED).count() == 1
    assert FormSubmission.objects.get().attempts == 1


def test_given_returning_person_when_submitting_again_then_same_contact_updated_and_first_touch_kept():
    # given: first visit from the spring newsletter
    form = make_form()
    post_json(form.slug, submission_body(first_name="Sara"))
    run_pending_jobs()
    # when: she comes back from another campaign with a new first name spelling
    again = submission_body(email="SARA@Example.com ", first_name="Sarah")
    again["context"]["page_url"] = "https://www.example.com/demo?utm_source=google&utm_campaign=autumn"
    assert post_json(form.slug, again).status_code == 201
    run_pending_jobs()
    # then
    contact = Contact.objects.get()
    assert contact.first_name == "Sarah"
    assert contact.utm_campaign == "spring"  # first touch kept
    assert FormSubmission.objects.filter(contact=contact, status="processed").count() == 2
    assert Activity.objects.filter(contact=contact, kind=FORM_SUBMITTED).count() == 2


def test_given_broken_processing_when_submitting_then_raw_kept_marked_failed_and_processed_on_retry(monkeypatch, write_api):
    # given: the contact service is broken
    form = make_form()

    def broken(**kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(contact_services, "contact_upsert", broken)
    # when
    response = post_json(form.slug, submission_body())
    run_pending_jobs()
    # then: accepted, kept raw, marked failed with the error
    assert response.status_code == 201
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.FAILED
    assert "database on fire" in submission.error
    assert submission.fields["email"] == "sara@example.com"
    assert Contact.objects.count() == 0
    # when: fixed and retried over the API
    monkeypatch.undo()
    retried = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{submission.pk}/retry")
    # then
    assert retried.status_code == 200, retried.content
    assert retried.json()["status"] == "processed"
    assert Contact.objects.get().email == "sara@example.com"
    assert FormSubmission.objects.get().attempts == 2


def test_given_invalid_fields_when_posted_then_422_per_field_and_raw_kept_as_invalid():
    form = make_form()
    body = submission_body(email="not-an-email", interest="bitcoin", message="x" * 201)
    response = post_json(form.slug, body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {"email", "interest", "message"}
    assert "200" in error["fields"]["message"][0]
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.INVALID
    assert submission.fields["message"] == "x" * 201
    assert set(submission.errors) == {"email", "interest", "message"}
    assert run_pending_jobs() == 0


def test_given_missing_required_field_when_posted_then_422_names_it():
    form = make_form()
    response = post_json(form.slug, {"fields": {"first_name": "Ali"}})
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"email": ["This field is required."]}


def test_given_values_too_long_for_the_contact_when_posted_then_422_on_that_field():
    form = make_form()
    response = post_json(form.slug, submission_body(first_name="n" * 101))
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["first_name"]


def test_given_unknown_or_inactive_form_when_posting_then_404():
    make_form(slug="old", is_active=False)
    assert post_json("nope", submission_body()).status_code == 404
    assert post_json("old", submission_body()).status_code == 404
    assert Client().get("/f/nope").status_code == 404
    assert FormSubmission.objects.count() == 0


def test_given_body_over_the_limit_when_posting_then_413():
    form = make_form()
    big = json.dumps(submission_body(message="x" * (settings.SARNAKH_MAX_BODY_BYTES + 10)))
    response = post_json(form.slug, big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_given_invalid_utf8_json_when_posting_then_400_and_raw_kept_as_invalid():
    form = make_form()
    response = post_json(form.slug, b'{"fields": {"email": "\xff\xfe@example.com"}}')
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.INVALID
    assert "\ufffd" in submission.raw_body


def test_given_nul_characters_when_posted_then_stored_and_refused_cleanly():
    form = make_form()
    response = post_json(form.slug, submission_body(first_name="A\u0000li"))
    assert response.status_code == 422 and list(response.json()["error"]["fields"]) == ["first_name"]
    assert FormSubmission.objects.get().fields["first_name"] == "A\ufffdli"


def test_given_not_an_object_when_posting_then_400_or_422_and_kept():
    form = make_form()
    assert post_json(form.slug, "[1, 2]").status_code == 400
    assert post_json(form.slug, {"fields": "email=a@b.c"}).status_code == 422
    assert FormSubmission.objects.filter(status="invalid").count() == 2


def test_given_form_without_consent_ticked_when_processed_then_consent_untouched():
    form = make_form()
    body = submission_body()
    body["consent"] = False
    post_json(form.slug, body)
    run_pending_jobs()
    contact = Contact.objects.get()
    assert contact.consent == "not_asked"
    assert FormSubmission.objects.get().consent_text == ""


def test_given_required_consent_when_not_ticked_then_422_on_consent():
    form = make_form(consent_required=True)
    body = submission_body()
    body["consent"] = False
    response = post_json(form.slug, body)
    assert response.status_code == 422
    assert "_consent" in response.json()["error"]["fields"]


def test_given_persian_request_when_invalid_then_messages_in_persian_direction_and_thanks_in_persian():
    form = make_form()
    response = post_json(form.slug, {**submission_body(), "lang": "fa"})
    assert response.status_code == 201
    assert response.json()["message"] == "ممنون، تماس می‌گیریم."
    assert FormSubmission.objects.get().language == "fa"


@override_settings(SARNAKH_FORM_RATE_PER_IP=1000)
def test_given_persian_digits_phone_and_number_fields_when_processed_then_normalised():
    form = make_form(
        slug="phone-form",
        fields=[
            {"name": "phone", "label": "Phone", "type": "phone", "required": True, "property": "phone"},
            {"name": "seats", "label": "Seats", "type": "number"},
            {"name": "topics", "label": "Topics", "type": "multi_choice", "choices": ["a", "b"]},
            {"name": "agree", "label": "Call me", "type": "checkbox"},
            {"name": "campaign", "type": "hidden", "value": "expo"},
        ],
    )
    response = post_json(form.slug, {"fields": {"phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹", "seats": "۱۲", "topics": ["a", "b"], "agree": True}})
    assert response.status_code == 201, response.content
    run_pending_jobs()
    contact = Contact.objects.get()
    assert contact.phone == "+989123456789"
    data = Activity.objects.get(kind=FORM_SUBMITTED).data["fields"]
    assert data == {"phone": "+989123456789", "seats": 12, "topics": ["a", "b"], "agree": True, "campaign": "expo"}
