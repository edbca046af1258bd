"""The suppression list: CSV import with bad rows, the staff page, and the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sarnakh.core.errors import PayloadTooLarge, ValidationFailed
from sarnakh.mail.subscriptions import selectors, services
from sarnakh.mail.subscriptions.models import Suppression, SuppressionRemoval
from tests.mail.subscriptions.conftest import make

CSV = (b"name,Email\nA,a@example.com\nB,  B@Example.COM \nC,not-an-address\nD,\nE,a@example.com\nF,has space@x.io\n"
       b"G,g@example.com\n")


def test_csv_import_adds_addresses_and_reports_bad_rows(actor):
    services.suppression_add(address="g@example.com", reason="manual", actor=actor)
    # when a file with good, repeated, empty and malformed rows is imported
    result = services.suppression_import_csv(data=CSV, reason="manual", actor=actor)
    # then the good ones are suppressed (lower-cased), repeats counted, bad rows reported with their row numbers
    assert result.added == 2 and result.already == 2
    assert set(Suppression.objects.values_list("address", flat=True)) == {"a@example.com", "b@example.com", "g@example.com"}
    assert [(row, value) for row, value, _problem in result.bad_rows] == [(4, "not-an-address"), (5, ""), (7, "has space@x.io")]
    assert result.bad_count == 3


def test_csv_import_refuses_a_file_without_email_column_or_too_big(actor):
    with pytest.raises(ValidationFailed):
        services.suppression_import_csv(data=b"name,phone\nA,1\n", actor=actor)
    with pytest.raises(PayloadTooLarge):
        services.suppression_import_csv(data=b"email\n" + b"x" * (services.MAX_IMPORT_BYTES + 1), actor=actor)
    assert not Suppression.objects.exists()


def test_remove_needs_a_reason_and_keeps_it(actor):
    row, created = services.suppression_add(address="x@example.com", actor=actor)
    assert created
    with pytest.raises(ValidationFailed):
        services.suppression_remove(suppression_id=row.pk, why="  ", actor=actor)
    services.suppression_remove(suppression_id=row.pk, why="asked us by phone", actor=actor)
    assert not Suppression.objects.exists()
    assert SuppressionRemoval.objects.get().why == "asked us by phone"


def test_staff_page_counts_adds_imports_and_removes(marketer_client):
    page = marketer_client.get("/mail/suppressions/")
    assert page.status_code == 200
    marketer_client.post("/mail/suppressions/", {"action": "add", "address": "Staff@Example.com"})
    upload = SimpleUploadedFile("old-list.csv", CSV, content_type="text/csv")
    response = marketer_client.post("/mail/suppressions/", {"action": "import", "file": upload}, follow=True)
    assert b"not-an-address" in response.content  # the bad rows are listed
    assert selectors.suppression_counts()["manual"] == 4
    row = Suppression.objects.get(address="staff@example.com")
    marketer_client.post("/mail/suppressions/", {"action": "remove", "id": row.pk, "why": "typo"})
    assert not Suppression.objects.filter(address="staff@example.com").exists()
    assert marketer_client.get("/mail/suppressions/?q=example&reason=manual").status_code == 200


def test_staff_page_is_for_marketing_and_admins(sales_client):
    assert sales_client.get("/mail/suppressions/").status_code in (302, 403)


def test_api_list_add_delete_import(write_api, read_api):
    created = write_api.post("/api/v1/suppressions", {"address": "Api@Example.com", "reason": "complaint"})
    assert created.status_code == 201 and created.json()["address"] == "api@example.com"
    assert write_api.post("/api/v1/suppressions", {"address": "api@example.com", "reason": "complaint"}).status_code == 200
    assert write_api.post("/api/v1/suppressions", {"address": "nope"}).status_code == 422
    assert read_api.post("/api/v1/suppressions", {"address": "r@example.com"}).status_code == 403
    for i in range(3):
        write_api.post("/api/v1/suppressions", {"address": f"p{i}@example.com"})
    first = read_api.get("/api/v1/suppressions", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["counts"]["complaint"] == 1
    second = read_api.get("/api/v1/suppressions", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None
    assert {i["address"] for i in first["items"] + second["items"]} == {"api@example.com", "p0@example.com", "p1@example.com", "p2@example.com"}
    assert read_api.get("/api/v1/suppressions", {"reason": "complaint"}).json()["items"][0]["address"] == "api@example.com"
    row_id = created.json()["id"]
    assert write_api.delete(f"/api/v1/suppressions/{row_id}").status_code == 422  # no reason given
    assert write_api.delete(f"/api/v1/suppressions/{row_id}?why=resolved").status_code == 204
    assert write_api.delete(f"/api/v1/suppressions/{row_id}?why=resolved").status_code == 404
    imported = write_api.client.post("/api/v1/suppressions/import", {"file": SimpleUploadedFile("l.csv", CSV)},
                                     HTTP_AUTHORIZATION=f"Bearer {write_api.key}")
    assert imported.status_code == 200, imported.content
    assert imported.json()["bad_count"] == 3 and imported.json()["bad_rows"][0] == {"row": 4, "value": "not-an-address", "problem": "Enter an email address."}


def test_api_contact_subscriptions(read_api, actor):
    contact = make(actor, "s@example.com", consent="subscribed")
    services.topic_opt_out(contact_id=contact.pk, topic_key="nurture", how="api")
    services.suppression_add(address="s@example.com", reason="manual", actor=actor)
    body = read_api.get(f"/api/v1/subscriptions/contacts/{contact.pk}").json()
    assert body["marketing_allowed"] is False and body["reason"] == "manual" and body["suppressions"] == ["manual"]
    assert {t["key"]: t["subscribed"] for t in body["topics"]} == {"newsletter": True, "product-news": True, "nurture": False}
    assert read_api.get("/api/v1/subscriptions/contacts/999999").status_code == 404
