"""Sending through the sent-message log to a real SMTP server: headers, DKIM, VERP,
idempotency, bounces and connection reuse."""

from __future__ import annotations

import socket

import dkim
import pytest

from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.models import EventRecord
from sarnakh.mail.delivery import dkim_keys, message, services
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.delivery.transport import SmtpTransport

pytestmark = pytest.mark.django_db(transaction=True)

UNSUB = message.Unsubscribe(url="https://crm.example.ir/u/abc123", mailto="unsubscribe+abc123@example.ir")
HTML = "<p dir='rtl'>سلام مریم، خبرنامهٔ آذر رسید.</p>"
TEXT = "سلام مریم، خبرنامهٔ آذر رسید."


@pytest.fixture
def sender(db):
    made = services.sender_create(from_name="تیم سرنخ", from_address="news@example.ir", reply_to="support@example.ir")
    return services.sender_generate_dkim(sender_id=made.pk, selector="s2026")


def _contact() -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": "maryam@example.org", "first_name": "مریم", "consent": "subscribed"},
                          actor=Actor.system("tests")).contact.pk


def _subscriber(address: str) -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": address, "consent": "subscribed"}, actor=Actor.system("tests")).contact.pk


def _send(key: str, to: str = "maryam@example.org", **extra) -> OutboundEmail:
    """A marketing message to a subscribed contact at `to` (the gate lets it through)."""
    values = {"subject": "خبرنامهٔ آذر ۱۴۰۵", "html": HTML, "text": TEXT, "kind": "marketing", "list_unsubscribe": UNSUB,
              "to_name": "مریم رضایی"}
    if extra.get("kind", "marketing") == "marketing" and "contact_id" not in extra and "@" in to:
        extra["contact_id"] = _subscriber(to)
    return services.email_send(to=to, idempotency_key=key, **{**values, **extra})


def test_given_a_marketing_email_when_sent_then_the_server_gets_signed_one_click_headers_and_both_parts(sink, sender):
    row = _send("newsletter-1:maryam", sender=sender)

    assert row.status == "sent" and row.attempts == 1
    [got] = sink.received
    msg = got.message
    assert got.recipients == ["maryam@example.org"]
    assert msg["Subject"] == "خبرنامهٔ آذر ۱۴۰۵"
    assert msg["From"].addresses[0].display_name == "تیم سرنخ" and msg["From"].addresses[0].addr_spec == "news@example.ir"
    assert msg["To"].addresses[0].display_name == "مریم رضایی"
    assert msg["Reply-To"] == "support@example.ir"
    assert msg["List-Unsubscribe"].strip() == "<https://crm.example.ir/u/abc123>, <mailto:unsubscribe+abc123@example.ir>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg["Message-ID"] == row.message_id and row.message_id.endswith("@example.ir>")
    assert msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    text_part, html_part = msg.get_payload()
    assert text_part.get_content_type() == "text/plain" and text_part.get_content().strip() == TEXT
    assert html_part.get_content_type() == "text/html" and "خبرنامهٔ آذر" in html_part.get_content()
    # The raw header is ASCII (RFC 2047), not raw UTF-8.
    assert b"Subject: =?utf-8?" in got.raw
    # VERP: the envelope sender names this message, signed.
    assert got.envelope_from.startswith("bounces+") and got.envelope_from.endswith("@example.ir")
    assert message.parse_verp(got.envelope_from, services.verp_key()) == row.pk
    # DKIM verifies against the TXT record Sarnakh shows, and covers the one-click headers.
    record = dkim_keys.dkim_txt_value(sender.dkim_public_key).encode()

    def dns(name, timeout=5):
        return record if name == b"s2026._domainkey.example.ir." else None

    assert dkim.verify(got.raw, dnsfunc=dns)
    signed = {h.strip().lower() for h in str(msg["DKIM-Signature"]).replace("\n", "").split("h=")[1].split(";")[0].split(":")}
    assert {"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post"} <= signed


def test_given_a_signed_message_when_the_subject_is_changed_in_transit_then_dkim_fails(sink, sender):
    _send("tamper", sender=sender)
    raw = sink.received[0].raw
    record = dkim_keys.dkim_txt_value(sender.dkim_public_key).encode()
    tampered = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", b"List-Unsubscribe-Post: nothing")
    assert tampered != raw
    assert not dkim.verify(tampered, dnsfunc=lambda name, timeout=5: record)


def test_given_a_transactional_email_then_it_carries_no_list_unsubscribe(sink, sender):
    services.email_send(to="ali@example.org", subject="رسید فرم", html="", text="ممنون", kind="transactional",
                        idempotency_key="form:1", sender=sender)
    [got] = sink.received
    assert got.message["List-Unsubscribe"] is None and got.message["List-Unsubscribe-Post"] is None


def test_given_the_same_idempotency_key_twice_then_one_message_reaches_the_server(sink, sender):
    first = _send("campaign-7:contact-42", sender=sender)
    second = _send("campaign-7:contact-42", sender=sender)

    assert second.pk == first.pk and second.status == "sent"
    assert len(sink.received) == 1
    assert OutboundEmail.objects.count() == 1
    assert EventRecord.objects.filter(name="email.sent").count() == 1


def test_given_a_known_contact_when_sent_then_email_sent_event_and_timeline_row_name_it(sink, sender):
    from sarnakh.contacts.models import Activity

    contact_id = _contact()
    row = _send("welcome", contact_id=contact_id, sender=sender)

    event = EventRecord.objects.get(name="email.sent")
    assert event.contact_id == contact_id and event.payload["email_id"] == row.pk and event.payload["kind"] == "marketing"
    assert Activity.objects.filter(contact_id=contact_id, kind="email_sent", data__email_id=row.pk).exists()


def test_given_a_5xx_to_the_recipient_then_the_row_is_a_hard_bounce_and_email_bounced_is_published(sink, sender):
    sink.refuse["gone@example.org"] = "550 5.1.1 No such user"
    contact_id = _contact()

    row = _send("gone", to="gone@example.org", contact_id=contact_id, sender=sender)

    assert row.status == "bounced_hard" and "550" in row.last_error
    event = EventRecord.objects.get(name="email.bounced")
    assert event.payload["bounce"] == "hard" and event.contact_id == contact_id
    assert not EventRecord.objects.filter(name="email.sent").exists()
    # A hard bounce is final: the same key does not try again.
    assert _send("gone", to="gone@example.org", sender=sender).attempts == 1


def test_given_a_4xx_then_the_row_is_a_temporary_failure_and_a_retry_with_the_same_key_sends_it(sink, sender):
    sink.refuse["busy@example.org"] = "451 4.3.0 Try again later"

    row = _send("busy", to="busy@example.org", sender=sender)
    assert row.status == "failed_temporary" and "451" in row.last_error
    assert not EventRecord.objects.filter(name__in=["email.sent", "email.bounced"]).exists()

    del sink.refuse["busy@example.org"]
    again = _send("busy", to="busy@example.org", sender=sender)
    assert again.pk == row.pk and again.status == "sent" and again.attempts == 2
    assert len(sink.received) == 1


def test_given_no_server_listening_then_the_failure_is_temporary(settings, sender):
    from tests.core.sarnakh_process import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    row = _send("nobody-home", sender=sender)
    assert row.status == "failed_temporary" and "connect" in row.last_error


def test_given_a_crash_after_the_claim_when_the_lease_ran_out_then_a_retry_sends_and_before_it_no_one_does(sink, sender):
    from sarnakh.core import clock

    # A worker claimed the key and died before sending: the row stays queued under its lease.
    row, mine = services._claim(key="crashed", defaults={"to_address": "maryam@example.org", "sender": sender,
                                                         "kind": "transactional", "subject": "سلام"})
    assert mine and row.status == "queued"
    assert _send("crashed", kind="transactional", sender=sender).status == "queued"  # lease held: nobody else sends
    assert sink.received == []

    with clock.frozen_at(clock.now() + services.LEASE * 2):
        done = _send("crashed", kind="transactional", sender=sender)
    assert done.status == "sent" and done.attempts == 2
    assert len(sink.received) == 1


def test_given_a_batch_on_one_transport_then_many_messages_use_one_connection(sink, sender):
    with services.open_transport() as transport:
        for n in range(20):
            _send(f"batch:{n}", to=f"reader{n}@example.org", sender=sender, transport=transport)
    assert len(sink.received) == 20
    assert sink.sessions == 1 and transport.connections == 1


def test_given_a_dropped_connection_between_messages_then_the_transport_reconnects_once(sink, sender):
    with services.open_transport() as transport:
        _send("drop:1", sender=sender, transport=transport)
        transport._smtp.sock.shutdown(socket.SHUT_RDWR)  # the connection dropped between two messages
        second = _send("drop:2", sender=sender, transport=transport)
    assert second.status == "sent"
    assert len(sink.received) == 2 and transport.connections == 2


def test_given_bad_input_then_a_clear_error_and_nothing_is_sent_or_logged(sink, sender):
    with pytest.raises(ValidationFailed) as error:
        services.email_send(to="not-an-address", subject="", html="x", text="x", kind="marketing", idempotency_key="")
    assert {"to", "subject", "idempotency_key"} <= set(error.value.fields)
    assert OutboundEmail.objects.count() == 0 and sink.received == []


# ---------------------------------------------------------------- the suppression and consent gate


def _contact_at(address: str, consent: str) -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": address, "consent": consent}, actor=Actor.system("tests")).contact.pk


def test_given_contacts_who_may_not_get_marketing_then_refused_with_why_and_nothing_sent_or_logged(sink, sender):
    from sarnakh.mail.subscriptions import services as subscriptions

    subscriptions.topic_seed_defaults()
    cases = {
        "no_consent": _contact_at("never@example.org", "not_asked"),
        "unsubscribed_all": _contact_at("gone@example.org", "unsubscribed"),
        "hard_bounce": _contact_at("bounced@example.org", "subscribed"),
        "topic_opt_out": _contact_at("opted@example.org", "subscribed"),
    }
    subscriptions.suppression_add(address="bounced@example.org", reason="hard_bounce", actor=Actor.system("tests"))
    subscriptions.topic_opt_out(contact_id=cases["topic_opt_out"], topic_key="newsletter", how="preference_centre")
    addresses = {cid: address for address, cid in
                 [("never@example.org", cases["no_consent"]), ("gone@example.org", cases["unsubscribed_all"]),
                  ("bounced@example.org", cases["hard_bounce"]), ("opted@example.org", cases["topic_opt_out"])]}
    for reason, cid in cases.items():
        with pytest.raises(services.SendRefused) as refused:
            services.email_send(to=addresses[cid], subject="News", html=HTML, text=TEXT, kind="marketing",
                                idempotency_key=f"gate:{reason}", contact_id=cid, topic="newsletter", sender=sender)
        assert refused.value.reason == reason and "to" in refused.value.fields
    with pytest.raises(services.SendRefused) as refused:  # marketing needs a known contact
        services.email_send(to="stranger@example.org", subject="News", html=HTML, text=TEXT, kind="marketing",
                            idempotency_key="gate:stranger", sender=sender)
    assert refused.value.reason == "no_contact"
    assert OutboundEmail.objects.count() == 0 and sink.received == []
    # the topic opt-out is only that topic's: product news still goes
    row = services.email_send(to="opted@example.org", subject="News", html=HTML, text=TEXT, kind="marketing",
                              idempotency_key="gate:other-topic", contact_id=cases["topic_opt_out"], topic="product-news",
                              sender=sender)
    assert row.status == "sent"


def test_given_transactional_mail_then_unsubscribes_do_not_stop_it_but_bounces_and_complaints_do(sink, sender):
    from sarnakh.mail.subscriptions import services as subscriptions

    _contact_at("gone@example.org", "unsubscribed")
    subscriptions.suppression_add(address="angry@example.org", reason="complaint", actor=Actor.system("tests"))
    sent = services.email_send(to="gone@example.org", subject="Your receipt", html=HTML, text=TEXT, kind="transactional",
                               idempotency_key="receipt:1", sender=sender)
    assert sent.status == "sent"
    with pytest.raises(services.SendRefused) as refused:
        services.email_send(to="angry@example.org", subject="Your receipt", html=HTML, text=TEXT, kind="transactional",
                            idempotency_key="receipt:2", sender=sender)
    assert refused.value.reason == "complaint" and len(sink.received) == 1


def test_given_marketing_without_links_then_the_one_click_links_are_made_and_unsubscribe_works(sink, sender, client):
    from sarnakh.mail.subscriptions.models import Suppression

    cid = _contact_at("mina@example.org", "subscribed")
    services.email_send(to="mina@example.org", subject="News", html=HTML, text=TEXT, kind="marketing",
                        idempotency_key="auto-links", contact_id=cid, sender=sender)
    msg = sink.received[0].message
    url = msg["List-Unsubscribe"].split(",")[0].strip().strip("<>")
    assert "/u/" in url and "mailto:unsubscribe+" in msg["List-Unsubscribe"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # the one-click POST the mailbox provider makes takes effect, and the next send is refused
    path = url[url.index("/u/"):]
    assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Suppression.objects.filter(address="mina@example.org", reason="unsubscribed_all").exists()
    with pytest.raises(services.SendRefused):
        services.email_send(to="mina@example.org", subject="More news", html=HTML, text=TEXT, kind="marketing",
                            idempotency_key="auto-links:2", contact_id=cid, sender=sender)


def test_given_no_sender_then_the_default_comes_from_sarnakh_email_from(sink, settings):
    settings.DEFAULT_FROM_EMAIL = "Sarnakh Team <hello@example.ir>"
    services.email_send(to="a@example.org", subject="hi", html="", text="hi", kind="transactional", idempotency_key="k")
    [got] = sink.received
    assert str(got.message["From"]) == "Sarnakh Team <hello@example.ir>"


def test_smtp_transport_classifies_5xx_as_permanent_and_4xx_as_temporary(sink):
    from sarnakh.mail.delivery.transport import SendFailure

    sink.refuse["hard@example.org"] = "550 no"
    sink.refuse["soft@example.org"] = "452 full"
    with SmtpTransport(services.transport_config()) as transport:
        with pytest.raises(SendFailure) as hard:
            transport.send(envelope_from="b@example.ir", recipients=["hard@example.org"], data=b"Subject: x\r\n\r\nx\r\n")
        with pytest.raises(SendFailure) as soft:
            transport.send(envelope_from="b@example.ir", recipients=["soft@example.org"], data=b"Subject: x\r\n\r\nx\r\n")
        transport.send(envelope_from="b@example.ir", recipients=["ok@example.org"], data=b"Subject: x\r\n\r\nx\r\n")
    assert hard.value.permanent and hard.value.code == 550
    assert not soft.value.permanent and soft.value.code == 452
    assert len(sink.received) == 1 and sink.sessions == 1
