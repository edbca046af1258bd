"""Bad input over the API: one error shape, the right status, nothing half-written."""

import json

import pytest
from django.test import override_settings

from sarnakh.contacts.models import Activity, Company, Contact, StageChange, Tag

pytestmark = pytest.mark.django_db


def counts():
    return tuple(m.objects.count() for m in (Contact, Company, Activity, StageChange, Tag))


def assert_error(response, status, code, field=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], dict)
    if field is not None:
        assert field in error["fields"], error
        assert all(isinstance(m, str) for m in error["fields"][field])
    return error


@pytest.mark.parametrize(
    "body,field",
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "ali@@example.com"}, "email"),
        ({"phone": "12"}, "phone"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "+98 912 345 678 999 999"}, "phone"),
        ({"email": "a@example.com", "nickname": "Al"}, "nickname"),
        ({"email": "a@example.com", "first_name": 123}, "first_name"),
        ({"email": "a@example.com", "tags": "x"}, "tags"),
        ({"email": "a@example.com", "tags": [1, 2]}, "tags.0"),
        ({"email": "a@example.com", "tags": ["t" * 65]}, "tags"),
        ({"email": "a@example.com", "owner": "bob"}, "owner"),
        ({"email": "a@example.com", "owner": 999999}, "owner"),
        ({"email": "a@example.com", "stage": "vip"}, "stage"),
        ({"email": "a@example.com", "lead_status": "hot"}, "lead_status"),
        ({"email": "a@example.com", "channel": "tv"}, "channel"),
        ({"email": "a@example.com", "source_type": "sideways"}, "source_type"),
        ({"email": "a@example.com", "consent": "yes"}, "consent"),
        ({"email": "a@example.com", "country": "Iran"}, "country"),
        ({"email": "a@example.com", "time_zone": "Mars/Base"}, "time_zone"),
        ({"email": "a@example.com", "language": "فارسی"}, "language"),
        ({"email": "a@example.com", "company": ["Acme"]}, "company"),
        ({"email": "a@example.com", "properties": ["x"]}, "properties"),
        ({"email": "a@example.com", "properties": {"unknown_key": 1}}, "properties.unknown_key"),
        ({"email": "a@example.com", "first_name": "x" * 5000}, "first_name"),
        ({"email": "a@example.com", "referrer": "x" * 2001}, "referrer"),
        ({"email": ("x" * 300) + "@example.com"}, "email"),
        ({"email": "a@example.com", "company": "c" * 201}, "company"),
        ({"job_title": "CTO"}, "email"),
    ],
)
def test_given_bad_field_when_creating_contact_then_422_names_it_and_nothing_written(write_api, body, field):
    before = counts()
    assert_error(write_api.post("/api/v1/contacts", body), 422, "validation_error", field)
    assert counts() == before


def test_given_several_bad_fields_then_all_are_reported(write_api):
    error = assert_error(write_api.post("/api/v1/contacts", {"email": "nope", "phone": "nope", "stage": "nope"}), 422, "validation_error")
    assert {"email", "phone", "stage"} <= set(error["fields"])


def test_given_valid_fields_and_one_bad_property_then_nothing_written(write_api):
    write_api.post("/api/v1/properties", {"object_type": "contact", "key": "budget", "label": "Budget", "type": "number"})
    before = counts()
    response = write_api.post("/api/v1/contacts", {"email": "a@example.com", "company": "New Co", "tags": ["t"], "properties": {"budget": "lots"}})
    assert_error(response, 422, "validation_error", "properties.budget")
    assert counts() == before


def test_given_bad_field_when_patching_then_422_and_contact_unchanged(write_api):
    contact = write_api.post("/api/v1/contacts", {"email": "a@example.com", "first_name": "Ann"}).json()["contact"]
    before = counts()
    response = write_api.patch(f"/api/v1/contacts/{contact['id']}", {"first_name": "Anna", "email": "broken"})
    assert_error(response, 422, "validation_error", "email")
    assert Contact.objects.get().first_name == "Ann"
    assert counts() == before


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"email": "a@example.com",}', b"{'email': 'a@example.com'}", b"email=a@example.com", b'{"email": NaN}', b'{"n": 1e400}', b"[" * 100000],
)
def test_given_malformed_json_then_400_invalid_json(write_api, raw):
    before = counts()
    assert_error(write_api.post("/api/v1/contacts", raw), 400, "invalid_json")
    assert counts() == before


def test_given_windows_1256_bytes_then_clear_400(write_api):
    raw = json.dumps({"first_name": "علي رضايي", "email": "a@example.com"}, ensure_ascii=False).encode("cp1256")
    error = assert_error(write_api.post("/api/v1/contacts", raw), 400, "invalid_json")
    assert "UTF-8" in error["message"]
    assert Contact.objects.count() == 0


def test_given_utf8_body_with_bom_then_accepted(write_api):
    raw = b"\xef\xbb\xbf" + json.dumps({"first_name": "علی", "email": "a@example.com"}, ensure_ascii=False).encode()
    response = write_api.post("/api/v1/contacts", raw)
    assert response.status_code == 201, response.content
    assert response.json()["contact"]["first_name"] == "علی"


def test_given_utf16_body_then_clear_400(write_api):
    raw = json.dumps({"email": "a@example.com"}).encode("utf-16")
    assert_error(write_api.post("/api/v1/contacts", raw), 400, "invalid_json")


def test_given_empty_body_then_422(write_api):
    assert_error(write_api.post("/api/v1/contacts", b""), 422, "validation_error")
    assert Contact.objects.count() == 0


@pytest.mark.parametrize("raw", [b"[]", b'[{"email": "a@example.com"}]', b'"a@example.com"', b"42", b"null"])
def test_given_json_that_is_not_an_object_then_422(write_api, raw):
    assert_error(write_api.post("/api/v1/contacts", raw), 422, "validation_error")
    assert Contact.objects.count() == 0


@override_settings(SARNAKH_MAX_BODY_BYTES=512)
def test_given_oversize_body_then_413_and_nothing_written(write_api):
    error = assert_error(write_api.post("/api/v1/contacts", {"email": "a@example.com", "first_name": "x" * 600}), 413, "payload_too_large")
    assert "512" in error["message"]
    assert Contact.objects.count() == 0


@override_settings(SARNAKH_MAX_BODY_BYTES=512)
def test_given_body_just_under_limit_then_accepted(write_api):
    body = {"email": "a@example.com", "first_name": "x" * 50}
    assert len(json.dumps(body)) < 512
    assert write_api.post("/api/v1/contacts", body).status_code == 201


@pytest.mark.parametrize(
    "payload",
    ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "{{7*7}}", "Robert'); DROP TABLE contacts;--"],
)
def test_given_xss_payload_in_name_then_stored_and_returned_verbatim_as_json(write_api, payload):
    response = write_api.post("/api/v1/contacts", {"email": "a@example.com", "first_name": payload, "tags": [payload]})
    assert response.status_code == 201
    assert response["Content-Type"] == "application/json; charset=utf-8"
    contact = response.json()["contact"]
    assert contact["first_name"] == payload and contact["tags"] == [payload]
    assert write_api.get(f"/api/v1/contacts/{contact['id']}").json()["first_name"] == payload


def test_given_unknown_api_path_then_json_404(write_api):
    assert_error(write_api.get("/api/v1/nothing-here"), 404, "not_found")


def test_given_missing_contact_then_json_404(write_api):
    assert_error(write_api.get("/api/v1/contacts/999999"), 404, "not_found")
    assert_error(write_api.patch("/api/v1/contacts/999999", {"first_name": "x"}), 404, "not_found")
    assert_error(write_api.delete("/api/v1/contacts/999999"), 404, "not_found")
    assert_error(write_api.post("/api/v1/contacts/999999/stage", {"stage": "mql"}), 404, "not_found")


@pytest.mark.parametrize(
    "params,field",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"owner": "bob"}, "owner"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "2024-13-45T00:00:00"}, "updated_since"),
        ({"cursor": "!!!"}, "cursor"),
        ({"cursor": "bm90LWEtbnVtYmVy"}, "cursor"),
    ],
)
def test_given_bad_list_parameters_then_422(read_api, params, field):
    assert_error(read_api.get("/api/v1/contacts", params), 422, "validation_error", field)


def test_given_bad_timeline_cursor_then_422(write_api):
    contact_id = write_api.post("/api/v1/contacts", {"email": "a@example.com"}).json()["contact"]["id"]
    assert_error(write_api.get(f"/api/v1/contacts/{contact_id}/timeline", {"cursor": "garbage"}), 422, "validation_error", "cursor")
