"""/api/v1/email-templates: CRUD, validation errors by field, preview as a contact."""

from __future__ import annotations

import pytest

from tests.mail.content.support import contact

pytestmark = pytest.mark.django_db

BODY = {"name": "Welcome", "subject": "Welcome {{ contact.first_name | default('friend') }}",
        "preheader": "Glad you are here", "html": "<h1>Hi {{ contact.first_name }}</h1><p>{{ data.code }}</p>",
        "language": "en", "topic": "onboarding", "kind": "transactional"}


def test_given_a_template_when_created_read_changed_previewed_and_deleted_through_the_api_then_each_answer_matches(write_api, read_api):
    sara = contact(first_name="Sara")
    created = write_api.post("/api/v1/email-templates", BODY)
    assert created.status_code == 201, created.content
    template = created.json()
    assert {k: template[k] for k in BODY} == BODY
    assert [t["id"] for t in read_api.get("/api/v1/email-templates").json()] == [template["id"]]
    changed = write_api.patch(f"/api/v1/email-templates/{template['id']}", {"language": "fa"})
    assert changed.status_code == 200 and changed.json()["language"] == "fa" and changed.json()["name"] == "Welcome"
    preview = write_api.post(f"/api/v1/email-templates/{template['id']}/preview", {"contact_id": sara.pk, "data": {"code": "X-42"}})
    assert preview.status_code == 200, preview.content
    rendered = preview.json()
    assert rendered["subject"] == "Welcome Sara" and rendered["preheader"] == "Glad you are here"
    assert 'dir="rtl"' in rendered["html"] and rendered["text"] == "Hi Sara\n=======\n\nX-42"
    assert write_api.delete(f"/api/v1/email-templates/{template['id']}").status_code == 204
    assert read_api.get(f"/api/v1/email-templates/{template['id']}").status_code == 404


def test_given_an_unknown_variable_when_posted_then_422_names_the_field_the_variable_and_the_line(write_api):
    answer = write_api.post("/api/v1/email-templates", {**BODY, "html": "<p>\n{{ contact.frist_name }}</p>"})
    assert answer.status_code == 422
    assert "Line 2: unknown variable “contact.frist_name”." in str(answer.json())


def test_given_a_read_key_when_a_template_is_posted_then_it_is_refused(read_api):
    assert read_api.post("/api/v1/email-templates", BODY).status_code == 403


def test_given_an_unknown_contact_when_previewed_then_404(write_api):
    template = write_api.post("/api/v1/email-templates", BODY).json()
    answer = write_api.post(f"/api/v1/email-templates/{template['id']}/preview", {"contact_id": 987654})
    assert answer.status_code == 404
