"""Delivery reads: senders for the settings page and the sent-message log."""

from __future__ import annotations

from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity


def senders() -> list[SenderIdentity]:
    return list(SenderIdentity.objects.order_by("-is_default", "id"))


def sender_get(sender_id: int) -> SenderIdentity | None:
    return SenderIdentity.objects.filter(pk=sender_id).first()


def outbound_by_key(idempotency_key: str) -> OutboundEmail | None:
    return OutboundEmail.objects.filter(idempotency_key=idempotency_key).first()


def outbound_for_contact(contact_id: int, *, limit: int = 50) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(contact_id=contact_id).order_by("-id")[:limit])


def outbound_get(email_id: int) -> OutboundEmail | None:
    return OutboundEmail.objects.select_related("sender").filter(pk=email_id).first()
