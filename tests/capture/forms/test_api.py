"""/api/v1/forms: managing forms with API keys, and reading their submissions."""

from __future__ import annotations

import pytest

from sarnakh.capture.forms.models import Form
from sarnakh.contacts.models import PropertyDefinition
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import FIELDS, make_form, post_json, submission_body

pytestmark = pytest.mark.django_db


def _definition(**overrides):
    return {"name": "Demo request", "slug": "demo", "fields": FIELDS, **overrides}


def test_given_write_key_when_creating_a_form_then_201_with_links_and_defaults(write_api):
    response = write_api.post("/api/v1/forms", _definition())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["slug"], body["source_type"], body["channel"], body["is_active"]) == ("demo", "inbound", "web_form", True)
    assert body["hosted_url"].endswith("/f/demo")
    assert 'data-sarnakh-form="demo"' in body["embed_snippet"] and "/f/demo/embed.js" in body["embed_snippet"]
    assert body["fields"][2]["property"] == "company"  # company.name is the contact's company
    assert body["stats"]["conversion_rate"] is None


def test_given_read_key_when_creating_then_403_and_reading_works(read_api):
    assert read_api.post("/api/v1/forms", _definition()).status_code == 403
    make_form()
    assert [f["slug"] for f in read_api.get("/api/v1/forms").json()] == ["contact-us"]
    assert read_api.get("/api/v1/forms/contact-us").json()["name"] == "Contact us"


def test_given_no_key_when_managing_then_401(anon_api):
    assert anon_api.get("/api/v1/forms").status_code == 401
    assert anon_api.post("/api/v1/forms", _definition()).status_code == 401


@pytest.mark.parametrize(
    ("fields", "path", "needle"),
    [
        ([{"name": "email", "label": "E", "type": "password", "property": "email"}], "fields.0.type", "Unknown type"),
        ([{"name": "email", "label": "E", "type": "email", "property": "shoe_size"}], "fields.0.property", "Unknown property"),
        ([{"name": "email", "label": "E", "type": "email", "property": "email"}, {"name": "email", "label": "F", "type": "text"}], "fields.1.name", "already has the name"),
        ([{"name": "note", "label": "Note", "type": "text"}], "fields", "Map at least one field"),
        ([{"name": "Bad Name", "label": "x", "type": "text", "property": "email"}], "fields.0.name", "lower-case"),
        ([{"name": "pick", "label": "x", "type": "choice", "property": "email"}], "fields.0.choices", "at least one choice"),
        ([{"name": "email", "label": "", "type": "email", "property": "email"}], "fields.0.label", "required"),
        ([{"name": "email", "label": "E", "type": "email", "property": "email", "max_length": 0}], "fields.0.max_length", "whole number"),
        ("email", "fields", "list"),
    ],
)
def test_given_bad_field_definitions_when_creating_then_422_names_the_problem(write_api, fields, path, needle):
    response = write_api.post("/api/v1/forms", _definition(fields=fields))
    assert response.status_code == 422, response.content
    messages = response.json()["error"]["fields"][path]
    assert any(needle in m for m in messages), messages
    assert Form.objects.count() == 0


def test_given_bad_form_settings_when_creating_then_422_per_setting(write_api):
    response = write_api.post("/api/v1/forms", _definition(
        slug="Not A Slug", channel="carrier-pigeon", redirect_url="javascript:alert(1)", notify_emails=["nope"],
        consent_enabled=True, colour="red",
    ))
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"slug", "channel", "redirect_url", "notify_emails", "consent_text", "colour"}


def test_given_custom_properties_when_mapping_then_accepted_and_filled(write_api):
    now = clock.now()
    PropertyDefinition.objects.create(object_type="contact", key="budget", label="Budget", type="number", created_at=now)
    PropertyDefinition.objects.create(object_type="company", key="fleet_size", label="Fleet", type="number", created_at=now)
    fields = [*FIELDS, {"name": "budget", "label": "Budget", "type": "number", "property": "budget"},
              {"name": "fleet", "label": "Fleet", "type": "number", "property": "company.fleet_size"},
              {"name": "industry", "label": "Industry", "type": "text", "property": "company.industry"}]
    assert write_api.post("/api/v1/forms", _definition(fields=fields)).status_code == 201
    post_json("demo", submission_body(budget="5000", fleet="12", industry="Logistics"))
    run_pending_jobs()
    from sarnakh.contacts.models import Contact

    contact = Contact.objects.get()
    assert contact.properties == {"budget": 5000}
    assert (contact.company.industry, contact.company.properties) == ("Logistics", {"fleet_size": 12})


def test_given_existing_slug_when_creating_then_409(write_api):
    make_form(slug="demo")
    response = write_api.post("/api/v1/forms", _definition())
    assert response.status_code == 409
    assert "slug" in response.json()["error"]["fields"]


def test_given_form_when_patching_then_only_given_settings_change(write_api):
    make_form()
    response = write_api.patch("/api/v1/forms/contact-us", {"is_active": False, "thank_you_message": {"fa": "سپاس"}})
    assert response.status_code == 200, response.content
    form = Form.objects.get()
    assert (form.is_active, form.thank_you_message, form.name) == (False, {"fa": "سپاس"}, "Contact us")
    assert write_api.patch("/api/v1/forms/contact-us", {"fields": []}).status_code == 422
    assert write_api.patch("/api/v1/forms/missing", {"is_active": True}).status_code == 404


def test_given_form_with_submissions_when_deleting_then_409_else_204(write_api):
    make_form()
    make_form(slug="empty")
    post_json("contact-us", submission_body())
    assert write_api.delete("/api/v1/forms/contact-us").status_code == 409
    assert write_api.delete("/api/v1/forms/empty").status_code == 204
    assert list(Form.objects.values_list("slug", flat=True)) == ["contact-us"]


def test_given_submissions_when_listing_then_filtered_by_status_and_paged(read_api):
    form = make_form()
    post_json(form.slug, submission_body())
    post_json(form.slug, {"fields": {"email": "bad"}})
    post_json(form.slug, submission_body(email="second@example.com"))
    run_pending_jobs()
    body = read_api.get(f"/api/v1/forms/{form.slug}/submissions").json()
    assert [s["status"] for s in body["items"]] == ["processed", "invalid", "processed"]
    invalid = read_api.get(f"/api/v1/forms/{form.slug}/submissions", {"status": "invalid"}).json()["items"]
    assert invalid[0]["errors"] == {"email": ["Enter a valid email address."]}
    page = read_api.get(f"/api/v1/forms/{form.slug}/submissions", {"limit": 2}).json()
    assert len(page["items"]) == 2 and page["next_before_id"]
    rest = read_api.get(f"/api/v1/forms/{form.slug}/submissions", {"limit": 2, "before_id": page["next_before_id"]}).json()
    assert len(rest["items"]) == 1 and rest["next_before_id"] is None
    assert read_api.get(f"/api/v1/forms/{form.slug}/submissions", {"status": "odd"}).status_code == 422


def test_given_submissions_when_exporting_over_api_then_csv_with_bom(read_api):
    form = make_form()
    post_json(form.slug, submission_body(first_name="=HYPERLINK(\"http://x\")"))
    response = read_api.get(f"/api/v1/forms/{form.slug}/submissions.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffid,received_at,status,email,first_name")
    assert "'=HYPERLINK" in text


def test_given_processed_submission_when_retrying_then_422(write_api):
    form = make_form()
    post_json(form.slug, submission_body())
    run_pending_jobs()
    submission_id = form.submissions.get().pk
    response = write_api.post(f"/api/v1/forms/{form.slug}/submissions/{submission_id}/retry")
    assert response.status_code == 422
    assert write_api.post(f"/api/v1/forms/{form.slug}/submissions/999999/retry").status_code == 404
