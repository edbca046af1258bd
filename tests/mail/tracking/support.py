"""Sent messages for tracking tests, without an SMTP server: the log row as email_send
leaves it after a 250."""

from __future__ import annotations

import datetime as dt

from sarnakh.core import clock
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail

_counter = iter(range(1, 10**9))


def sent_email(*, contact_id: int | None = None, subject: str = "خبرنامهٔ آذر", minutes_ago: float = 60) -> OutboundEmail:
    now = clock.now()
    return OutboundEmail.objects.create(
        idempotency_key=f"test:{next(_counter)}", contact_id=contact_id, to_address="reader@example.ir",
        sender=delivery.sender_default(), kind="marketing", subject=subject, status="sent",
        created_at=now - dt.timedelta(minutes=minutes_ago), sent_at=now - dt.timedelta(minutes=minutes_ago),
    )
