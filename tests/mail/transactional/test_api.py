"""POST /api/v1/emails/send: a template to a contact now, once per idempotency key,
through the same gate as every other path; GET /api/v1/emails/{id}."""

from __future__ import annotations

import pytest

from sarnakh.core.actor import Actor
from sarnakh.mail.content import services as content
from sarnakh.mail.subscriptions import services as subscriptions

pytestmark = pytest.mark.django_db


def _contact(address: str, consent: str = "not_asked", **fields) -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": address, "consent": consent, **fields}, actor=Actor.system("tests")).contact.pk


def _template(kind: str = "transactional", **values) -> int:
    return content.template_create(**{"name": f"Receipt {kind}", "subject": "Order {{ data.order }} for {{ contact.first_name | default('friend') }}",
                                      "html": "<p>Hi {{ contact.first_name | default('friend') }}, total {{ data.total }}.</p>",
                                      "language": "en", "kind": kind, **values}).pk


def test_given_a_transactional_template_when_sent_for_a_contact_then_one_personalised_message_arrives_and_a_repeat_sends_nothing(write_api, read_api, sink):
    cid = _contact("reza@example.org", first_name="Reza")
    body = {"template_id": _template(), "contact_id": cid, "data": {"order": "A-7", "total": "12.50"}}

    first = write_api.post("/api/v1/emails/send", body, HTTP_IDEMPOTENCY_KEY="order-A-7")
    again = write_api.post("/api/v1/emails/send", body, HTTP_IDEMPOTENCY_KEY="order-A-7")

    assert first.status_code == 200, first.content
    assert first.json()["status"] == "sent" and first.json()["subject"] == "Order A-7 for Reza"
    assert again.json()["id"] == first.json()["id"]
    assert len(sink.received) == 1
    message = sink.received[0].message
    assert message["To"] == "Reza <reza@example.org>" and "List-Unsubscribe" not in message
    assert "Hi Reza, total 12.50." in message.get_body(preferencelist=("plain",)).get_content()
    assert read_api.get(f"/api/v1/emails/{first.json()['id']}").json()["status"] == "sent"


def test_given_no_idempotency_key_then_422_and_nothing_sent(write_api, sink):
    answer = write_api.post("/api/v1/emails/send", {"template_id": _template(), "contact_id": _contact("a@example.org")})
    assert answer.status_code == 422 and "idempotency_key" in answer.json()["error"]["fields"]
    assert sink.received == []


def test_given_a_marketing_template_and_a_contact_without_consent_then_refused_with_the_reason_code(write_api, sink):
    subscriptions.topic_seed_defaults()
    template = _template("marketing", topic="newsletter")
    answer = write_api.post("/api/v1/emails/send", {"template_id": template, "contact_id": _contact("b@example.org"),
                                                    "idempotency_key": "news-1"})
    assert answer.status_code == 422, answer.content
    error = answer.json()["error"]
    assert error["code"] == "send_refused" and error["fields"]["reason"] == ["no_consent"]
    assert "no consent or other lawful basis" in error["message"]
    assert sink.received == []


def test_given_a_marketing_template_and_a_subscribed_contact_then_it_carries_one_click_unsubscribe(write_api, sink):
    subscriptions.topic_seed_defaults()
    template = _template("marketing", topic="newsletter")
    answer = write_api.post("/api/v1/emails/send", {"template_id": template, "contact_id": _contact("c@example.org", "subscribed"),
                                                    "idempotency_key": "news-2"})
    assert answer.status_code == 200 and answer.json()["kind"] == "marketing"
    assert sink.received[0].message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_given_a_hard_bounced_address_then_even_a_transactional_message_is_refused(write_api, sink):
    cid = _contact("gone@example.org")
    subscriptions.suppression_add(address="gone@example.org", reason="hard_bounce", actor=Actor.system("tests"))
    answer = write_api.post("/api/v1/emails/send", {"template_id": _template(), "contact_id": cid}, HTTP_IDEMPOTENCY_KEY="r-1")
    assert answer.status_code == 422 and answer.json()["error"]["fields"]["reason"] == ["hard_bounce"]
    assert sink.received == []


@pytest.mark.parametrize("change", [{"template_id": 987654}, {"contact_id": 987654}, {"sender_id": 987654}])
def test_given_an_unknown_template_contact_or_sender_then_404_and_nothing_sent(write_api, sink, change):
    body = {"template_id": _template(), "contact_id": _contact("d@example.org"), **change}
    answer = write_api.post("/api/v1/emails/send", body, HTTP_IDEMPOTENCY_KEY="x-1")
    assert answer.status_code == 404
    assert sink.received == []


def test_given_a_contact_without_an_address_then_refused(write_api, sink):
    from sarnakh.contacts.services import contact_upsert

    cid = contact_upsert(data={"first_name": "Nameless", "phone": "+989121234567"}, actor=Actor.system("tests")).contact.pk
    answer = write_api.post("/api/v1/emails/send", {"template_id": _template(), "contact_id": cid}, HTTP_IDEMPOTENCY_KEY="x-2")
    assert answer.status_code == 422 and answer.json()["error"]["fields"]["reason"] == ["no_address"]


def test_given_a_read_key_then_sending_is_refused(read_api):
    assert read_api.post("/api/v1/emails/send", {"template_id": 1, "contact_id": 1}).status_code == 403


def test_given_a_template_when_test_sent_to_oneself_then_it_arrives_marked_test_and_transactional(sink):
    from sarnakh.mail.transactional import services

    _contact("e@example.org", first_name="Elham")
    row = services.template_send_test(template_id=_template("marketing"), to="me@example.org")
    assert row.kind == "transactional" and row.status == "sent"
    assert sink.received[0].message["Subject"].startswith("[Test] Order")
    assert "Elham" in sink.received[0].message["Subject"]
