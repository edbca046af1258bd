"""The timeline writer contacts provides to core.timeline: one Activity row per call.

ContactsConfig.ready installs it; every app calls core.timeline.timeline_write, which
checks the kind is registered and calls this, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.actor import Actor


def activity_write(*, contact: Contact | int, kind: str, actor: Actor, data: dict[str, Any] | None = None, at=None) -> Activity:
    about = {"contact": contact} if isinstance(contact, Contact) else {"contact_id": contact}
    return Activity.objects.create(
        **about,
        kind=kind,
        occurred_at=at or clock.now(),
        actor=actor.user if getattr(actor.user, "pk", None) else None,
        actor_label=actor.label[:200],
        data=data or {},
    )


def activity_write_many(*, rows: list[tuple[int, dict[str, Any]]], kind: str, actor: Actor, at=None) -> int:
    when = at or clock.now()
    user = actor.user if getattr(actor.user, "pk", None) else None
    existing = set(Contact.objects.filter(pk__in=[cid for cid, _data in rows]).values_list("pk", flat=True))
    written = Activity.objects.bulk_create(
        [Activity(contact_id=cid, kind=kind, occurred_at=when, actor=user, actor_label=actor.label[:200], data=data or {})
         for cid, data in rows if cid in existing],
        batch_size=1000,
    )
    return len(written)
