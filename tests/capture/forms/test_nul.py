"""NUL (U+0000) on the public form routes. PostgreSQL refuses it in text, so before the fix
these answered 500 and the submission was lost. Now: every submission is stored, context
the visitor did not type loses the NUL, a typed field holding one gets a field error."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.capture.forms.models import FormSubmission
from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import human_token, make_form, post_json, submission_body

pytestmark = pytest.mark.django_db
PAGE = "https://www.example.com/pricing?utm_source=newsletter&utm_campaign=spring"


def test_given_nul_in_context_page_url_when_posted_then_201_stored_with_the_nul_removed():
    # given
    form = make_form()
    body = submission_body()
    body["context"]["page_url"] = "https://www.example.com/pri\u0000cing?utm_source=newsletter&utm_campaign=spring"
    # when
    response = post_json(form.slug, body)
    # then: accepted, one row, the URL without the NUL and its UTM parameters still read
    assert response.status_code == 201, response.content
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.RECEIVED
    assert submission.context["page_url"] == PAGE
    assert (submission.context["utm_source"], submission.context["utm_campaign"]) == ("newsletter", "spring")
    run_pending_jobs()
    assert Contact.objects.get().landing_page == PAGE


def test_given_nul_in_utm_referrer_and_visitor_id_when_posted_then_cleaned_or_dropped():
    # given: UTM and referrer with a NUL; a visitor id that is invalid once it has one
    form = make_form()
    body = submission_body()
    body["context"].update(utm_source="news\u0000letter", utm_medium="\u0000", referrer="https://news.example.org/\u0000", visitor_id="v\u0000-1")
    # when
    response = post_json(form.slug, body)
    # then
    assert response.status_code == 201, response.content
    submission = FormSubmission.objects.get()
    assert submission.context["utm_source"] == "newsletter"
    assert "utm_medium" not in submission.context  # nothing left after cleaning
    assert submission.context["referrer"] == "https://news.example.org/"
    assert "visitor_id" not in submission.context and submission.visitor_id == ""
    run_pending_jobs()
    assert Contact.objects.get().utm_source == "newsletter"


def test_given_nul_in_a_typed_field_when_posted_then_422_naming_it_and_stored_raw_as_invalid():
    # given
    form = make_form()
    # when
    response = post_json(form.slug, submission_body(first_name="A\u0000li"))
    # then: the field is named; the raw submission is kept with a visible U+FFFD
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error" and list(error["fields"]) == ["first_name"]
    assert "U+0000" in error["fields"]["first_name"][0]
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.INVALID
    assert submission.fields["first_name"] == "A\ufffdli" and submission.errors == error["fields"]
    run_pending_jobs()
    assert not Contact.objects.exists()


def test_given_nul_in_a_choice_list_and_an_unknown_key_when_posted_then_only_the_form_field_is_refused():
    form = make_form()
    response = post_json(form.slug, submission_body(interest=["crm\u0000"], **{"extra\u0000key": "x\u0000"}))
    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["interest"]
    fields = FormSubmission.objects.get().fields
    assert fields["interest"] == ["crm\ufffd"] and fields["extra\ufffdkey"] == "x\ufffd"


def test_given_raw_nul_bytes_in_the_json_when_posted_then_400_and_the_body_kept_with_replacements():
    form = make_form()
    response = post_json(form.slug, b'{"fields": {"email": "a\x00@example.com"}}')
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"
    assert FormSubmission.objects.get().raw_body == '{"fields": {"email": "a\ufffd@example.com"}}'


def test_given_nul_in_the_slug_or_the_user_agent_when_posted_then_422_or_stored():
    form = make_form()
    # a NUL in the path names no form: refused at the door like any API path (422 "path")
    assert post_json("contact\u0000us", submission_body()).status_code == 422
    assert Client().get("/api/v1/forms/contact%00us/public").status_code == 422
    response = post_json(form.slug, submission_body(), HTTP_USER_AGENT="Mozilla\u0000/5.0")
    assert response.status_code == 201
    assert FormSubmission.objects.get().user_agent == "Mozilla/5.0"


def _hosted_post(form, **data):
    return Client().post(f"/f/{form.slug}", {"_ts": human_token(form), "_hp": "", "_visitor_id": "v-9", **data})


def test_given_nul_in_the_hosted_forms_page_url_when_posted_then_thanks_and_stored_cleaned():
    # given: the hidden page URL and referrer carry a NUL (%00 in the form post)
    form = make_form()
    # when
    response = _hosted_post(form, email="reza@example.com", _page_url=PAGE.replace("pricing", "pri\u0000cing"), _referrer="\u0000https://r.example/")
    # then
    assert response.status_code == 303
    submission = FormSubmission.objects.get()
    assert (submission.via, submission.status) == ("hosted", "received")
    assert submission.context["page_url"] == PAGE and submission.context["referrer"] == "https://r.example/"
    assert submission.context["utm_campaign"] == "spring"


def test_given_nul_in_a_hosted_forms_field_when_posted_then_page_again_with_the_error_and_stored_invalid():
    form = make_form()
    response = _hosted_post(form, email="reza@example.com", first_name="Re\u0000za", _page_url="https://www.example.com/\u0000")
    assert response.status_code == 422
    html = response.content.decode()
    assert "U+0000" in html
    assert 'name="_page_url" value="https://www.example.com/"' in html  # sent again cleaned
    submission = FormSubmission.objects.get()
    assert submission.status == FormSubmission.Status.INVALID and submission.fields["first_name"] == "Re\ufffdza"
    assert list(submission.errors) == ["first_name"]
