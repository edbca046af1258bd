import io
import json

import pytest
from django.conf import settings

from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Contact, Tag
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.middleware import body_limit_for
from tests.capture.imports.conftest import cp1256

pytestmark = pytest.mark.django_db

CSV = "نام,ایمیل,تلفن\r\nعلی,ali@example.com,09121234567\r\nبد,not-an-email,\r\nسارا,sara@example.com,\r\n"


def upload(api, data: bytes, name: str = "list.csv", **fields):
    file = io.BytesIO(data)
    file.name = name
    return api.client.post("/api/v1/imports", data={"file": file, **fields}, **api._headers())


def test_without_key_401_read_key_403_write_key_202(anon_api, read_api, write_api):
    assert upload(anon_api, CSV.encode()).status_code == 401
    refused = upload(read_api, CSV.encode())
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    accepted = upload(write_api, cp1256(CSV), channel="cold-email", tag="expo", mapping=json.dumps({"تلفن": ""}))
    assert accepted.status_code == 202, accepted.content
    body = accepted.json()
    assert body["status"] == "queued" and body["options"]["encoding"] == "cp1256"
    assert body["options"]["mapping"]["تلفن"] == "" and body["options"]["channel"] == "cold_email"
    assert ContactImport.objects.count() == 1 and Contact.objects.count() == 0


def test_given_import_when_job_runs_then_status_counts_and_error_report(write_api, read_api):
    import_id = upload(write_api, CSV.encode()).json()["id"]
    run_pending_jobs()
    status = read_api.get(f"/api/v1/imports/{import_id}")
    assert status.status_code == 200
    body = status.json()
    assert body["status"] == "done"
    assert body["counts"] == {"new": 2, "updated": 0, "skipped": 0, "invalid": 1, "warnings": 0, "total_rows": 3}
    assert body["progress"]["percent"] == 100 and body["progress"]["rows_done"] == 3
    report = read_api.get(body["errors_url"])
    assert report.status_code == 200 and report["Content-Type"].startswith("text/csv")
    text = b"".join(report.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffrow,column,value,message,level,contact_id,same_as_row\r\n")
    assert text.splitlines()[1].startswith("3,ایمیل,not-an-email,")
    ali = Contact.objects.get(email="ali@example.com")
    assert (ali.source_type, ali.channel) == ("outbound", "list_import")
    listed = read_api.get("/api/v1/imports").json()
    assert [i["id"] for i in listed] == [import_id]


def test_bad_input_gets_the_shared_error_shape(write_api):
    assert write_api.get("/api/v1/imports/999").status_code == 404
    bad = upload(write_api, CSV.encode(), on_duplicate="merge", mapping="{not json")
    assert bad.status_code == 422 and "mapping" in bad.json()["error"]["fields"]
    bad = upload(write_api, CSV.encode(), on_duplicate="merge")
    assert bad.status_code == 422 and set(bad.json()["error"]["fields"]) == {"on_duplicate"}
    missing = write_api.client.post("/api/v1/imports", data={"tag": "x"}, **write_api._headers())
    assert missing.status_code == 422 and "file" in missing.json()["error"]["fields"]
    empty = upload(write_api, b"")
    assert empty.status_code == 422 and "file" in empty.json()["error"]["fields"]


def test_cancel_then_job_does_nothing_and_second_cancel_409(write_api):
    import_id = upload(write_api, CSV.encode()).json()["id"]
    cancelled = write_api.post(f"/api/v1/imports/{import_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    run_pending_jobs()
    assert Contact.objects.count() == 0
    assert write_api.post(f"/api/v1/imports/{import_id}/cancel").status_code == 409


def test_dry_run_over_the_api_previews_without_writing(write_api):
    import_id = upload(write_api, CSV.encode(), dry_run="true").json()["id"]
    run_pending_jobs()
    body = write_api.get(f"/api/v1/imports/{import_id}").json()
    assert body["dry_run"] is True and body["counts"]["new"] == 2
    assert [p["action"] for p in body["preview"]] == ["new", "invalid", "new"]
    assert body["preview"][0]["contact"]["phone"] == "+989121234567"
    assert Contact.objects.count() == 0


def test_import_uploads_take_larger_bodies_than_the_rest_of_the_api(write_api):
    assert body_limit_for("/api/v1/imports") > settings.SARNAKH_MAX_BODY_BYTES
    assert body_limit_for("/api/v1/contacts") == settings.SARNAKH_MAX_BODY_BYTES
    big = ("email\r\n" + "".join(f"user{i}@example.com\r\n" for i in range(80000))).encode()
    assert len(big) > settings.SARNAKH_MAX_BODY_BYTES
    assert upload(write_api, big).status_code == 202
    too_big = write_api.post("/api/v1/contacts", {"first_name": "x" * len(big)})
    assert too_big.status_code == 413


def test_export_streams_filtered_contacts_with_bom_and_neutralised_cells(read_api, anon_api, admin_user):
    actor = Actor.for_user(admin_user)
    contact_upsert(data={"email": "a@example.com", "first_name": "=HYPERLINK(\"http://evil\")", "last_name": "رضایی",
                         "tags": ["vip"], "channel": "cold_email"}, actor=actor)
    contact_upsert(data={"email": "b@example.com", "first_name": "Bob", "channel": "web_form"}, actor=actor)
    assert anon_api.get("/api/v1/contacts/export.csv").status_code == 401
    response = read_api.get("/api/v1/contacts/export.csv", {"channel": "cold-email"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbfid,first_name,last_name,email")
    lines = data.decode("utf-8-sig").splitlines()
    assert len(lines) == 2
    assert "'=HYPERLINK" in lines[1] and "رضایی" in lines[1] and ",vip," in lines[1]
    assert Tag.objects.count() == 1
    everyone = b"".join(read_api.get("/api/v1/contacts/export.csv").streaming_content).decode("utf-8-sig").splitlines()
    assert len(everyone) == 3


def test_given_an_impossible_updated_since_when_exporting_then_422_like_the_list(read_api):
    for path in ("/api/v1/contacts/export.csv", "/api/v1/contacts"):
        response = read_api.get(path, {"updated_since": "2024-13-01T00:00:00"})
        assert response.status_code == 422, path
        assert "updated_since" in response.json()["error"]["fields"]


def test_dry_run_notes_and_options_over_the_api(write_api, read_api, admin_user):
    existing = contact_upsert(data={"email": "ali@example.com"}, actor=Actor.for_user(admin_user)).contact
    text = "email,source,created\r\nali@example.com,Trade Fair,31/12/2017\r\nnew@example.com,Web,01/02/2018\r\nNEW@example.com,,\r\n"
    import_id = upload(write_api, text.encode(), dry_run="true", unknown_channel="event", date_order="auto").json()["id"]
    run_pending_jobs()

    body = read_api.get(f"/api/v1/imports/{import_id}").json()
    assert body["options"]["unknown_channel"] == "event" and body["options"]["unknown_stage"] == ""
    assert body["counts"]["warnings"] == 2 and body["counts"]["updated"] == 2
    assert body["date_orders"] == {"created": {"order": "day_first", "how": "detected", "example": "31/12/2017"}}
    assert body["preview"][0]["match"]["contact_id"] == existing.pk
    assert body["preview"][0]["warnings"][0]["value"] == "Trade Fair"
    matches = read_api.get(f"/api/v1/imports/{import_id}/notes", {"level": "match"}).json()
    assert [(n["row"], n["contact_id"], n["column"], n["value"]) for n in matches] == [(2, existing.pk, "email", "ali@example.com")]
    everything = read_api.get(f"/api/v1/imports/{import_id}/notes").json()
    assert [(n["row"], n["level"], n["same_as_row"]) for n in everything] == [(2, "warning", None), (2, "match", None), (4, "warning", 3)]
    assert read_api.get(f"/api/v1/imports/{import_id}/notes", {"level": "nope"}).status_code == 422
    assert upload(write_api, text.encode(), unknown_stage="warm").status_code == 422
    assert Contact.objects.count() == 1
