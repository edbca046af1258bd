"""The outcome is recorded between the message's content and the end-of-data dot: a sender
that dies there sends nothing (the server discards an unfinished DATA), and a server that
refuses at the dot corrects the record."""

from __future__ import annotations

import pytest

from sarnakh.core.actor import Actor
from sarnakh.mail.delivery import message, services
from sarnakh.mail.delivery.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

UNSUB = message.Unsubscribe(url="https://crm.example.ir/u/abc123")


def _contact(address: str) -> int:
    from sarnakh.contacts.services import contact_upsert

    return contact_upsert(data={"email": address, "consent": "subscribed"}, actor=Actor.system("tests")).contact.pk


def _send(key: str, to: str, **extra) -> OutboundEmail:
    return services.email_send(to=to, idempotency_key=key, subject="Azar", html="<p>Hi</p>", text="Hi", kind="marketing",
                               list_unsubscribe=UNSUB, contact_id=_contact(to), **extra)


def test_given_the_record_fails_before_the_dot_then_the_server_keeps_nothing_and_the_key_is_not_sent(sink, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "_record", broken)

    with pytest.raises(RuntimeError):
        _send("eod:1", "sara@example.org")

    assert sink.received == []  # the unfinished DATA was dropped with the connection
    row = OutboundEmail.objects.get(idempotency_key="eod:1")
    assert row.status == "queued" and row.lease_until is not None  # sent by a retry once the lease ends


def test_given_the_server_refuses_at_the_dot_then_the_sent_record_becomes_a_hard_bounce(sink):
    async def refuse_data(server, session, envelope):
        return "554 5.7.1 rejected as spam"

    sink.handle_DATA = refuse_data

    row = _send("eod:2", "reza@example.org")

    assert row.status == "bounced_hard" and "554" in row.last_error
    assert OutboundEmail.objects.get(pk=row.pk).status == "bounced_hard"


def test_given_a_temporary_refusal_at_the_dot_then_the_key_can_be_sent_again(sink):
    async def later(server, session, envelope):
        return "451 4.3.0 try again"

    sink.handle_DATA = later
    first = _send("eod:3", "mina@example.org")
    del sink.handle_DATA

    again = _send("eod:3", "mina@example.org")

    assert (first.status, first.sent_at) == ("failed_temporary", None)
    assert again.pk == first.pk and again.status == "sent" and len(sink.received) == 1
