"""Input the database cannot store (NUL in text, integers past 64 bits) and requests the
API has no operation for: a clear error in the API's shape, nothing written, on both
databases (PostgreSQL refuses NUL, SQLite refuses integers ≥ 2^63)."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Activity, Company, Contact, Note
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.storable import MAX_DB_INT, first_unstorable

pytestmark = pytest.mark.django_db

TOO_BIG = MAX_DB_INT + 1


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    if field is not None:
        assert field in error["fields"], error
    return error


@pytest.fixture
def make_contact(db):
    def make(**data):
        return contact_upsert(data=data, actor=Actor.system("tests")).contact

    return make


def counts():
    return tuple(m.objects.count() for m in (Contact, Company, Activity, Note))


# ---------------------------------------------------------------- the rule (pure)


def test_the_first_unstorable_value_is_named_by_its_path():
    assert first_unstorable({"a": "fine", "n": 5, "f": 1.5, "ok": True}) is None
    assert first_unstorable({"fields": {"tags": ["x", "y\x00"]}})[0] == "fields.tags.1"
    assert first_unstorable({"bad\x00key": 1})[0] == "bad\x00key"
    assert first_unstorable({"n": TOO_BIG})[0] == "n"
    assert first_unstorable({"n": -MAX_DB_INT - 2})[0] == "n"
    assert first_unstorable([{"n": MAX_DB_INT}, {"n": -MAX_DB_INT - 1}]) is None
    assert first_unstorable("\x00") == ("__all__", first_unstorable("\x00")[1])


# ---------------------------------------------------------------- API bodies


@pytest.mark.parametrize(
    "body, field",
    [
        ({"email": "a@example.com", "first_name": "Al\x00i"}, "first_name"),
        ({"email": "a@example.com", "city": "\x00"}, "city"),
        ({"email": "a@example.com", "tags": ["ok", "b\x00d"]}, "tags.1"),
        ({"email": "a@example.com", "utm_source": "news\x00letter"}, "utm_source"),
        ({"email": "a@example.com", "owner": TOO_BIG}, "owner"),
        ({"email": "a@example.com", "properties": {"score": -(2**70)}}, "properties.score"),
    ],
)
def test_given_nul_or_a_huge_integer_in_a_body_then_422_names_the_field_and_nothing_is_written(write_api, body, field):
    before = counts()
    assert_error(write_api.post("/api/v1/contacts", body), 422, "validation_error", field)
    assert counts() == before


def test_given_nul_in_a_note_body_then_422_and_no_note(write_api, make_contact):
    contact = make_contact(email="n@example.com")
    assert_error(write_api.post(f"/api/v1/contacts/{contact.pk}/notes", {"body": "hi\x00"}), 422, "validation_error", "body")
    assert Note.objects.count() == 0


@pytest.mark.parametrize("raw", [b'"fa"', b"[null, null]", b"7"])
def test_given_a_body_that_is_not_an_object_on_an_all_optional_schema_then_422_not_an_empty_update(write_api, raw):
    # PATCH /tracking/settings has only optional fields: a string body used to pass as {}
    assert_error(write_api.patch("/api/v1/tracking/settings", raw), 422, "validation_error", "__all__")


# ---------------------------------------------------------------- query, path and form fields


@pytest.mark.parametrize(
    "path, params, field",
    [
        ("/api/v1/contacts", {"q": "Ali\x00"}, "q"),
        ("/api/v1/contacts", {"tag": "\x00"}, "tag"),
        ("/api/v1/companies", {"q": "a\x00"}, "q"),
        ("/api/v1/contacts", {"owner": str(TOO_BIG)}, "owner"),
        ("/api/v1/contacts", {"company": str(TOO_BIG)}, "company"),
        ("/api/v1/forms/any/submissions", {"before_id": str(TOO_BIG)}, "before_id"),
        ("/api/v1/events/recent", {"after_id": str(TOO_BIG)}, "after_id"),
    ],
)
def test_given_nul_or_a_huge_id_in_a_query_then_422_names_it(read_api, path, params, field):
    assert_error(read_api.get(path, params), 422, "validation_error", field)


@pytest.mark.parametrize("path", [f"/api/v1/contacts/{TOO_BIG}", f"/api/v1/companies/{TOO_BIG}", f"/api/v1/sites/{TOO_BIG}"])
def test_given_an_id_past_64_bits_in_a_path_then_422(read_api, path):
    assert_error(read_api.get(path), 422, "validation_error")


def test_given_nul_in_a_path_then_422(read_api):
    assert_error(read_api.get("/api/v1/stages/a%00b"), 422, "validation_error", "path")


def test_given_a_cursor_hiding_a_huge_id_then_422(read_api):
    forged = base64.urlsafe_b64encode(str(TOO_BIG).encode()).decode().rstrip("=")
    assert_error(read_api.get("/api/v1/contacts", {"cursor": forged}), 422, "validation_error", "cursor")


@pytest.mark.parametrize("field, value", [("encoding", "utf\x00-8"), ("tag", "a\x00"), ("encoding", "rot13"), ("encoding", "base64")])
def test_given_a_bad_import_option_then_422_and_no_import(write_api, field, value):
    upload = SimpleUploadedFile("people.csv", b"email\na@example.com\n", content_type="text/csv")
    response = write_api.client.post(
        "/api/v1/imports", {"file": upload, field: value}, HTTP_AUTHORIZATION=f"Bearer {write_api.key}"
    )
    assert_error(response, 422, "validation_error", field)
    assert ContactImport.objects.count() == 0


def test_given_nul_in_a_staff_form_post_then_400_page_and_nothing_written(admin_client, make_contact):
    contact = make_contact(email="s@example.com")
    response = admin_client.post(f"/contacts/{contact.pk}/notes/", {"body": "note\x00"})
    assert response.status_code == 400
    assert Note.objects.count() == 0


# ---------------------------------------------------------------- paths and methods the API lacks


@pytest.mark.parametrize("method", ["post", "patch", "put"])
def test_given_an_unknown_api_path_with_a_write_method_then_json_404_not_a_csrf_page(write_api, method):
    assert_error(getattr(write_api, method)("/api/v1/no-such-thing", {}), 404, "not_found")


def test_given_an_unknown_api_path_with_delete_then_json_404(write_api):
    assert_error(write_api.delete("/api/v1/contacts/not-a-number"), 404, "not_found")


def test_given_a_method_an_endpoint_lacks_then_json_405_with_allow(write_api):
    response = write_api.delete("/api/v1/contacts")
    assert_error(response, 405, "method_not_allowed")
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}


def test_given_a_path_with_a_newline_then_json_404(write_api):
    assert_error(write_api.client.post("/api/v1/imports/%0A/cancel", HTTP_AUTHORIZATION=f"Bearer {write_api.key}"), 404, "not_found")


def test_given_multipart_without_a_boundary_then_400_not_500(write_api):
    response = write_api.client.generic("POST", "/api/v1/imports", b"x", content_type="multipart/form-data", HTTP_AUTHORIZATION=f"Bearer {write_api.key}")
    assert_error(response, 400, "bad_request")


# ---------------------------------------------------------------- JSON types, as documented


@pytest.mark.parametrize(
    "path, method, body, field",
    [
        ("/api/v1/tracking/settings", "patch", {"respect_do_not_track": 0}, "respect_do_not_track"),
        ("/api/v1/tracking/cleanup", "post", {"dry_run": 0}, "dry_run"),
        ("/api/v1/scoring/predictive/schedule", "put", {"retrain_every_days": False, "target_stage": "customer"}, "retrain_every_days"),
        ("/api/v1/contacts/merge", "post", {"survivor_id": "1", "loser_id": 2}, "survivor_id"),
    ],
)
def test_given_a_value_of_another_json_type_then_422_instead_of_a_coerced_change(write_api, path, method, body, field):
    assert_error(getattr(write_api, method)(path, body), 422, "validation_error", field)


def test_given_a_date_that_is_not_written_as_a_date_then_422(read_api):
    assert_error(read_api.get("/api/v1/attribution", {"until": "0"}), 422, "validation_error", "until")
    assert read_api.get("/api/v1/attribution", {"until": "2026-12-01"}).status_code == 200


def test_every_operation_documents_the_errors_the_guards_give(read_api):
    document = read_api.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert "422" in operation["responses"], f"{method} {path}"
            if "requestBody" in operation:
                assert {"400", "413"} <= set(operation["responses"]), f"{method} {path}"
