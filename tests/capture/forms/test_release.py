"""Staff release a submission held as spam: processed once, as a normal submission."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.capture.forms.models import FormSubmission
from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import make_form, post_json, submission_body

pytestmark = pytest.mark.django_db


def _held(form, **fields) -> FormSubmission:
    post_json(form.slug, {**submission_body(**fields), "_hp": "filled by a bot"})
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    assert submission.status == "spam"
    return submission


def _timeline_kinds(contact) -> list[str]:
    return list(contact.activities.values_list("kind", flat=True))


def test_given_held_submission_when_released_over_the_api_then_processed_with_contact_and_timeline(write_api):
    form = make_form()
    held = _held(form)
    response = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{held.pk}/release")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "processed" and body["released_by"].startswith("API key") and body["released_at"]
    assert (body["spam_score"], body["spam_signals"]) == (100, [{"code": "honeypot", "points": 100}])
    contact = Contact.objects.get()
    assert body["contact_id"] == contact.pk and contact.email == "sara@example.com"
    assert _timeline_kinds(contact).count("form_submitted") == 1


def test_given_released_submission_when_released_again_then_same_answer_and_processed_once(write_api):
    form = make_form()
    held = _held(form)
    first = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{held.pk}/release").json()
    again = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{held.pk}/release")
    run_pending_jobs()
    assert again.status_code == 200 and again.json() == first
    assert Contact.objects.count() == 1
    assert _timeline_kinds(Contact.objects.get()).count("form_submitted") == 1
    assert FormSubmission.objects.get().attempts == 1


def test_given_submission_not_held_when_released_then_409_and_nothing_changes(write_api):
    form = make_form()
    post_json(form.slug, submission_body())
    run_pending_jobs()
    submission = FormSubmission.objects.get()
    response = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{submission.pk}/release")
    assert response.status_code == 409
    assert FormSubmission.objects.get().released_at is None


def test_given_held_submission_whose_values_do_not_fit_when_released_then_invalid_with_errors(write_api):
    form = make_form()
    held = _held(form, email="not-an-email")
    body = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{held.pk}/release").json()
    assert body["status"] == "invalid" and "email" in body["errors"]
    assert Contact.objects.count() == 0


def test_given_read_only_key_when_releasing_then_refused(read_api):
    form = make_form()
    held = _held(form)
    assert read_api.post(f"/api/v1/forms/{form.slug}/submissions/{held.pk}/release").status_code == 403
    assert FormSubmission.objects.get().status == "spam"


def test_given_a_too_fast_row_from_before_spam_scores_when_shown_and_released_in_the_ui_then_processed(marketer):
    # given: a row held under the old rule: reason only, no score or signals
    form = make_form()
    held = _held(form)
    FormSubmission.objects.filter(pk=held.pk).update(spam_reason="too_fast", spam_score=None, spam_signals=[])
    client = Client()
    client.force_login(marketer)
    page = client.get(f"/forms/{form.slug}/?status=spam").content.decode()
    assert "Sent faster than a person types" in page and "too_fast" not in page
    assert f"/forms/{form.slug}/submissions/{held.pk}/release/" in page
    # when
    response = client.post(f"/forms/{form.slug}/submissions/{held.pk}/release/")
    # then
    assert response.status_code == 302
    submission = FormSubmission.objects.get()
    assert (submission.status, submission.released_by) == ("processed", marketer.username)
    page = client.get(f"/forms/{form.slug}/").content.decode()
    assert "Released as not spam by" in page


def test_given_held_submission_when_shown_then_score_and_translated_signals_listed(marketer):
    form = make_form()
    _held(form)
    client = Client()
    client.force_login(marketer)
    page = client.get(f"/forms/{form.slug}/").content.decode()
    assert "Spam score 100 of 100" in page and "Filled in the hidden field only bots see" in page
    assert "Not spam — process it" in page
