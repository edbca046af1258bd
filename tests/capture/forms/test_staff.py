"""Staff pages for forms (builder, preview, submissions, retry, CSV) and `sarnakh forms`."""

from __future__ import annotations

import argparse
import io

import pytest
from django.test import Client

from sarnakh.capture.forms.commands import cmd_forms
from sarnakh.capture.forms.models import Form, FormSubmission
from sarnakh.contacts import services as contact_services
from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import make_form, post_json, submission_body

pytestmark = pytest.mark.django_db
XSS = "<script>alert(1)</script>"


def _login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _builder_post(**overrides):
    data = {
        "rows": "2", "name": "Webinar", "slug": "webinar", "language": "", "is_active": "on", "source_type": "inbound", "channel": "web_form",
        "title_en": "Join the webinar", "title_fa": "", "consent_enabled": "on", "consent_en": "Email me about webinars", "consent_fa": "",
        "thanks_en": "See you there", "notify_emails": "team@example.com\nboss@example.com",
        "f-0-name": "email", "f-0-type": "email", "f-0-property": "email", "f-0-required": "on", "f-0-label_en": "Email", "f-0-label_fa": "ایمیل",
        "f-0-help_en": "", "f-0-help_fa": "", "f-0-choices": "", "f-0-max_length": "", "f-0-value": "",
        "f-1-name": "company", "f-1-type": "text", "f-1-property": "company.name", "f-1-label_en": "Company", "f-1-label_fa": "",
        "f-1-help_en": "", "f-1-help_fa": "", "f-1-choices": "", "f-1-max_length": "", "f-1-value": "",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_given_marketer_when_creating_form_in_builder_then_saved_and_snippet_shown(marketer):
    client = _login(marketer)
    page = client.get("/forms/new/")
    assert page.status_code == 200 and 'name="f-0-name"' in page.content.decode()
    response = client.post("/forms/new/", _builder_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    form = Form.objects.get()
    assert form.fields[1]["property"] == "company"
    assert form.notify_emails == ["team@example.com", "boss@example.com"]
    assert form.consent_text == {"en": "Email me about webinars"}
    detail = client.get(response["Location"]).content.decode()
    assert "data-sarnakh-form=&quot;webinar&quot;" in detail and "/f/webinar/embed.js" in detail


def test_given_builder_row_actions_when_posting_then_rows_added_moved_and_removed(marketer):
    client = _login(marketer)
    added = client.post("/forms/new/", _builder_post(action="add")).content.decode()
    assert 'name="f-2-name"' in added and Form.objects.count() == 0
    moved = client.post("/forms/new/", _builder_post(action="down:0")).content.decode()
    assert 'name="f-0-name" value="company"' in moved and 'name="f-1-name" value="email"' in moved
    removed = client.post("/forms/new/", _builder_post(action="remove:1")).content.decode()
    assert 'name="f-1-name"' not in removed


def test_given_invalid_builder_input_when_saving_then_422_with_row_errors(marketer):
    client = _login(marketer)
    response = client.post("/forms/new/", _builder_post(**{"f-1-name": "email", "slug": "Bad Slug"}))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Another field already has the name email." in html and "slug" in html
    assert Form.objects.count() == 0


def test_given_builder_changes_when_previewing_then_rendered_form_partial(marketer):
    response = _login(marketer).post("/forms/preview/", _builder_post(**{"f-0-label_en": "Work email", "preview_lang": "en"}))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="form-preview"' in html and "Work email" in html and "Join the webinar" in html and "Email me about webinars" in html


def test_given_existing_form_when_editing_then_rows_prefilled_and_saved(marketer):
    make_form()
    client = _login(marketer)
    page = client.get("/forms/contact-us/edit/").content.decode()
    assert 'value="interest"' in page
    assert 'name="f-3-c-0-value" value="crm"' in page and 'name="f-3-c-1-value" value="automation"' in page
    assert 'value="company.name" selected' in page


def test_given_sales_user_when_visiting_then_may_view_not_edit(sales_user):
    make_form()
    client = _login(sales_user)
    assert client.get("/forms/").status_code == 200
    detail = client.get("/forms/contact-us/")
    assert detail.status_code == 200 and "/forms/contact-us/edit/" not in detail.content.decode()
    assert client.get("/forms/new/").status_code == 403
    assert client.get("/forms/contact-us/edit/").status_code == 403


def test_given_anonymous_when_visiting_staff_pages_then_login_redirect():
    assert Client().get("/forms/")["Location"].startswith("/login/")


def test_given_submissions_when_listing_then_stats_fields_and_contact_links_with_xss_escaped(marketer):
    form = make_form()
    Client().get(f"/f/{form.slug}")
    post_json(form.slug, submission_body(first_name=XSS, message=XSS))
    run_pending_jobs()
    client = _login(marketer)
    listing = client.get("/forms/").content.decode()
    assert "100%" in listing  # 1 submission / 1 view
    html = client.get(f"/forms/{form.slug}/").content.decode()
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"/contacts/{Contact.objects.get().pk}/" in html


def test_given_failed_submission_when_retrying_in_the_ui_then_processed(marketer, monkeypatch):
    form = make_form()
    monkeypatch.setattr(contact_services, "contact_upsert", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    post_json(form.slug, submission_body())
    run_pending_jobs()
    client = _login(marketer)
    submission = FormSubmission.objects.get()
    page = client.get(f"/forms/{form.slug}/?status=failed").content.decode()
    assert "RuntimeError: boom" in page and f"/forms/{form.slug}/submissions/{submission.pk}/retry/" in page
    monkeypatch.undo()
    response = client.post(f"/forms/{form.slug}/submissions/{submission.pk}/retry/")
    assert response.status_code == 302
    assert FormSubmission.objects.get().status == "processed"


def test_given_submissions_when_exporting_csv_in_the_ui_then_bom_and_formulas_neutralised(sales_user):
    form = make_form()
    post_json(form.slug, submission_body(first_name="@SUM(A1)", message="-2+3"))
    response = _login(sales_user).get(f"/forms/{form.slug}/submissions.csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'@SUM(A1)" in text and "'-2+3" in text


def _args(**kwargs):
    return argparse.Namespace(**kwargs)


def test_given_failed_submissions_when_running_cli_retry_failed_then_processed(monkeypatch, tmp_path):
    form = make_form()
    monkeypatch.setattr(contact_services, "contact_upsert", lambda **kw: (_ for _ in ()).throw(RuntimeError("boom")))
    post_json(form.slug, submission_body())
    run_pending_jobs()
    out = io.StringIO()
    assert cmd_forms(_args(forms_command="retry-failed", form=None), stdout=out) == 1
    monkeypatch.undo()
    assert cmd_forms(_args(forms_command="retry-failed", form=None), stdout=out) == 0
    assert "processed 1, still failing 0" in out.getvalue()
    assert FormSubmission.objects.get().status == "processed"
    target = tmp_path / "subs.csv"
    assert cmd_forms(_args(forms_command="export", slug=form.slug, file=str(target), status=""), stdout=out, stderr=io.StringIO()) == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,")
    listing = io.StringIO()
    cmd_forms(_args(forms_command="list"), stdout=listing)
    assert listing.getvalue().startswith("contact-us\tactive")
