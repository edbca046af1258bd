"""The timeline writer. Callers run it inside the transaction of the change it explains."""

from __future__ import annotations

from typing import Any

from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.actor import Actor


def timeline_write(*, contact: Contact, kind: str, actor: Actor, data: dict[str, Any] | None = None, at=None) -> Activity:
    return Activity.objects.create(
        contact=contact,
        kind=kind,
        occurred_at=at or clock.now(),
        actor=actor.user if getattr(actor.user, "pk", None) else None,
        actor_label=actor.label[:200],
        data=data or {},
    )
