"""The hosted form page (no JavaScript needed) and the embed script's route."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings

from sarnakh.capture.forms.models import FormSubmission, FormView
from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import human_token, make_form

pytestmark = pytest.mark.django_db
XSS = '"><script>alert(1)</script>'


def _post(client, form, **fields):
    data = {"_ts": human_token(form), "_hp": "", "_visitor_id": "v-9", "_page_url": "https://www.example.com/f?utm_campaign=spring&utm_source=newsletter",
            "_referrer": "https://search.example/", **fields}
    return client.post(f"/f/{form.slug}", data)


def test_given_hosted_page_when_opened_then_form_rendered_with_token_and_view_counted():
    form = make_form()
    response = Client().get(f"/f/{form.slug}?utm_campaign=spring", HTTP_REFERER="https://blog.example/post")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert 'name="email"' in html and "Email" in html and 'name="_ts"' in html and 'name="_hp"' in html
    assert 'name="_consent"' in html and "newsletter" in html
    assert "https://blog.example/post" in html  # carried as _referrer
    assert 'viewport' in html
    assert response["Cache-Control"] == "no-store"
    assert FormView.objects.filter(form=form, kind="hosted").count() == 1


def test_given_persian_visitor_when_opening_hosted_page_then_rtl_and_persian_labels():
    form = make_form()
    for response in (Client().get(f"/f/{form.slug}?lang=fa"), Client().get(f"/f/{form.slug}", HTTP_ACCEPT_LANGUAGE="fa")):
        html = response.content.decode()
        assert '<html lang="fa" dir="rtl">' in html
        assert "ایمیل" in html and "خبرنامه را برایم بفرست." in html


def test_given_valid_plain_post_when_submitting_then_redirected_to_thanks_and_processed():
    form = make_form()
    client = Client()
    response = _post(client, form, email="reza@example.com", first_name="Reza", interest="crm", _consent="on")
    assert response.status_code == 303
    assert response["Location"] == f"/f/{form.slug}/thanks?lang=en"
    assert "Thanks, we will call you." in client.get(response["Location"]).content.decode()
    submission = FormSubmission.objects.get()
    assert (submission.via, submission.status, submission.visitor_id) == ("hosted", "received", "v-9")
    assert submission.fields == {"email": "reza@example.com", "first_name": "Reza", "interest": "crm"}
    run_pending_jobs()
    contact = Contact.objects.get()
    assert (contact.utm_campaign, contact.referrer, contact.consent) == ("spring", "https://search.example/", "subscribed")


def test_given_invalid_plain_post_when_submitting_then_page_again_with_values_kept_and_errors_inline():
    form = make_form()
    response = _post(Client(), form, email="reza@", first_name=XSS, message="m" * 201)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="reza@"' in html
    assert "Enter a valid email address." in html and "Keep this under 200 characters." in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert FormSubmission.objects.get().status == "invalid"


def test_given_redirect_url_when_submitting_then_sent_there():
    form = make_form(redirect_url="https://www.example.com/thank-you")
    response = _post(Client(), form, email="a@example.com")
    assert (response.status_code, response["Location"]) == (303, "https://www.example.com/thank-you")


def test_given_honeypot_on_hosted_page_when_submitting_then_thanks_shown_but_spam():
    form = make_form()
    response = _post(Client(), form, email="a@example.com", _hp="bot text")
    assert response.status_code == 303
    assert FormSubmission.objects.get().status == "spam"


def test_given_invalid_utf8_form_post_when_submitting_then_stored_with_replacement_characters():
    form = make_form()
    body = b"email=a%40example.com&first_name=%FF%FEAli&_ts=" + human_token(form).encode()
    response = Client().post(f"/f/{form.slug}", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (303, 422)
    assert "\ufffd" in FormSubmission.objects.get().fields["first_name"]


@override_settings(SARNAKH_FORM_RATE_PER_IP=2)
def test_given_too_many_plain_posts_when_submitting_then_429_with_retry_after():
    form = make_form()
    client = Client()
    with clock.frozen_at(dt.datetime(2025, 3, 21, 9, 30, 20, tzinfo=dt.UTC)):
        codes = [_post(client, form, email="a@example.com").status_code for _ in range(3)]
        limited = _post(client, form, email="a@example.com")
    assert codes == [303, 303, 429]
    assert int(limited["Retry-After"]) >= 1
    assert FormSubmission.objects.count() == 2


def test_given_embed_script_when_requested_then_javascript_for_known_forms_only():
    form = make_form()
    response = Client().get(f"/f/{form.slug}/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-sarnakh-form" in response.content and b"innerHTML" not in response.content
    assert Client().get("/f/unknown/embed.js").status_code == 404
