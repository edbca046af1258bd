import pytest

from sarnakh.contacts.models import Activity, Contact, StageChange

pytestmark = pytest.mark.django_db


def test_given_mixed_case_email_when_upserting_lower_case_with_persian_phone_then_one_contact(write_api):
    created = write_api.post("/api/v1/contacts", {"email": "Ali.Rezaei@Example.COM", "first_name": "علي"})
    assert created.status_code == 201, created.content
    upserted = write_api.put("/api/v1/contacts/upsert", {"email": "ali.rezaei@example.com", "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹"})
    assert upserted.status_code == 200, upserted.content
    body = upserted.json()
    assert body["created"] is False and body["matched_on"] == "email"
    assert body["contact"]["phone"] == "+989123456789"
    assert Contact.objects.count() == 1
    found = write_api.get("/api/v1/contacts", {"q": "علی"}).json()
    assert [c["id"] for c in found["items"]] == [created.json()["contact"]["id"]]


def test_given_contact_when_moving_backward_without_reason_then_422_and_nothing_changes(write_api):
    contact_id = write_api.post("/api/v1/contacts", {"email": "a@example.com", "stage": "sql"}).json()["contact"]["id"]
    refused = write_api.post(f"/api/v1/contacts/{contact_id}/stage", {"stage": "lead"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["reason"]
    assert Contact.objects.get(pk=contact_id).stage_id == "sql"
    moved = write_api.post(f"/api/v1/contacts/{contact_id}/stage", {"stage": "lead", "reason": "no budget this year"})
    assert moved.status_code == 200
    assert StageChange.objects.filter(contact_id=contact_id, to_stage="lead", is_backward=True).count() == 1
    assert Activity.objects.filter(contact_id=contact_id, kind="stage_changed").count() == 2


def test_without_key_401_and_read_key_cannot_write(anon_api, read_api):
    assert anon_api.get("/api/v1/contacts").status_code == 401
    response = read_api.post("/api/v1/contacts", {"email": "x@example.com"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
