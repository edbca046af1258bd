"""/api/v1/senders: add a sender, generate its key, read its DNS records, send a test."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_a_write_key_when_adding_a_sender_and_its_key_then_the_dns_records_name_the_selector(write_api):
    created = write_api.post("/api/v1/senders", {"from_address": "News@Example.ir", "from_name": "تیم سرنخ"})
    assert created.status_code == 201, created.content
    sender = created.json()
    assert sender["from_address"] == "news@example.ir" and sender["is_default"] is True and sender["dkim_selector"] == ""

    keyed = write_api.post(f"/api/v1/senders/{sender['id']}/dkim", {"selector": "s1"})
    assert keyed.status_code == 200
    records = {r["kind"]: r for r in keyed.json()["dns_records"]}
    assert records["DKIM"]["name"] == "s1._domainkey.example.ir" and records["DKIM"]["value"].startswith("v=DKIM1; k=rsa; p=")
    assert records["DMARC"]["name"] == "_dmarc.example.ir"
    assert "PRIVATE" not in keyed.content.decode()
    assert write_api.get(f"/api/v1/senders/{sender['id']}").json()["dkim_selector"] == "s1"


def test_given_bad_input_then_422_names_the_field_and_nothing_is_added(write_api):
    answer = write_api.post("/api/v1/senders", {"from_address": "nope"})
    assert answer.status_code == 422 and "from_address" in answer.content.decode()
    assert write_api.get("/api/v1/senders").json() == []
    assert write_api.post("/api/v1/senders/999/dkim", {}).status_code == 404


def test_given_a_read_key_then_it_may_list_but_not_add(read_api):
    assert read_api.get("/api/v1/senders").status_code == 200
    assert read_api.post("/api/v1/senders", {"from_address": "a@example.ir"}).status_code in (401, 403)


def test_given_an_smtp_server_when_the_api_sends_a_test_then_it_arrives(write_api, sink):
    sender = write_api.post("/api/v1/senders", {"from_address": "news@example.ir"}).json()
    answer = write_api.post(f"/api/v1/senders/{sender['id']}/test", {"to": "ops@example.org"})
    assert answer.status_code == 200 and answer.json()["status"] == "sent"
    assert [r.recipients for r in sink.received] == [["ops@example.org"]]
