"""The block editor through the API: /api/v1/email-templates with `blocks`, and
/api/v1/email-saved-blocks (CRUD, by reference, 409 while used)."""

from __future__ import annotations

import pytest

from tests.mail.content.blocks.support import GREETING, document, short
from tests.mail.content.support import contact

pytestmark = pytest.mark.django_db

TEMPLATE = {"name": "Block news", "subject": "News", "language": "fa", "blocks": short()}


def test_given_blocks_when_a_template_is_created_patched_and_previewed_then_the_html_follows_the_blocks(write_api, read_api):
    contact(first_name="Sara")
    created = write_api.post("/api/v1/email-templates", TEMPLATE)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["blocks"] == short() and GREETING in body["html"] and 'dir="rtl"' in body["html"]
    listed = read_api.get("/api/v1/email-templates").json()
    assert listed[0]["blocks"] == short()
    patched = write_api.patch(f"/api/v1/email-templates/{body['id']}",
                              {"blocks": document({"type": "heading", "text": "Changed {{ contact.first_name }}"})})
    assert patched.status_code == 200 and "Changed {{ contact.first_name }}" in patched.json()["html"]
    preview = write_api.post(f"/api/v1/email-templates/{body['id']}/preview", {})
    assert "Changed Sara" in preview.json()["html"]
    refused = write_api.patch(f"/api/v1/email-templates/{body['id']}", {"html": "<p>x</p>"})
    assert refused.status_code == 422 and "html" in refused.json()["error"]["fields"]
    switched = write_api.patch(f"/api/v1/email-templates/{body['id']}", {"blocks": None, "html": "<p>Own HTML</p>"})
    assert switched.status_code == 200 and switched.json()["blocks"] is None and switched.json()["html"] == "<p>Own HTML</p>"


def test_given_bad_blocks_when_posted_then_422_names_each_block_path(write_api, read_api):
    bad = document({"type": "text", "text": '<a href="javascript:alert(1)">x</a>'}, {"type": "image", "src": "http://x/a.png"})
    answer = write_api.post("/api/v1/email-templates", {**TEMPLATE, "blocks": bad})
    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert set(fields) == {"blocks[0].text", "blocks[1].src"}
    assert fields["blocks[1].src"] == ["Block 2: The address must start with https://."]
    assert read_api.get("/api/v1/email-templates").json() == []


def test_given_saved_blocks_when_created_used_changed_and_deleted_through_the_api_then_each_answer_matches(write_api, read_api):
    created = write_api.post("/api/v1/email-saved-blocks", {"name": "Testimonial", "blocks": [{"type": "text", "text": "“Great”"}]})
    assert created.status_code == 201, created.content
    saved = created.json()
    assert saved["used_by"] == 0
    template = write_api.post("/api/v1/email-templates", {**TEMPLATE, "blocks": document({"type": "saved", "id": saved["id"]})}).json()
    assert read_api.get(f"/api/v1/email-saved-blocks/{saved['id']}").json()["used_by"] == 1
    changed = write_api.patch(f"/api/v1/email-saved-blocks/{saved['id']}", {"blocks": [{"type": "text", "text": "“Even better”"}]})
    assert changed.status_code == 200 and changed.json()["name"] == "Testimonial"
    assert "Even better" in read_api.get(f"/api/v1/email-templates/{template['id']}").json()["html"]
    in_use = write_api.delete(f"/api/v1/email-saved-blocks/{saved['id']}")
    assert in_use.status_code == 409 and "Block news" in in_use.json()["error"]["message"]
    assert write_api.delete(f"/api/v1/email-templates/{template['id']}").status_code == 204
    assert write_api.delete(f"/api/v1/email-saved-blocks/{saved['id']}").status_code == 204
    assert read_api.get("/api/v1/email-saved-blocks").json() == []


def test_given_a_saved_block_with_a_reference_or_a_read_key_then_it_is_refused(write_api, read_api):
    nested = write_api.post("/api/v1/email-saved-blocks", {"name": "x", "blocks": [{"type": "saved", "id": 1}]})
    assert nested.status_code == 422 and "blocks[0].id" in nested.json()["error"]["fields"]
    assert read_api.post("/api/v1/email-saved-blocks", {"name": "x", "blocks": [{"type": "divider"}]}).status_code == 403
    assert read_api.get("/api/v1/email-saved-blocks/99").status_code == 404
