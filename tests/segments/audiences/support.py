"""Contacts and segments for the audience tests."""

from __future__ import annotations

import datetime as dt

from sarnakh.contacts.models import Contact
from sarnakh.segments import services as segment_services

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def contact(email: str = "", phone: str = "", consent: str = "subscribed", **values) -> Contact:
    return Contact.objects.create(email=email, phone=phone, consent=consent, stage_id="lead", created_at=NOW, updated_at=NOW, **values)


def mixed_people() -> dict[str, int]:
    """One contact of each case an export meets, by name."""
    people = {
        "sara": contact("Sara.Ahmadi+ads@gmail.com", "+989121234567", first_name="سارا", last_name="احمدی", country="IR", city="تهران"),
        "phone_only": contact("", "+989351112233"),
        "unsubscribed": contact("gone@example.com", consent="unsubscribed"),
        "not_asked": contact("maybe@example.com", consent="not_asked"),
        "nothing": contact("", ""),
        "bad_email": contact("broken-address", ""),
        "bad_phone": contact("", "12345"),
    }
    return {name: c.pk for name, c in people.items()}


def static_list(contact_ids, name: str = "Ad list"):
    segment = segment_services.segment_create(name=name, kind="static")
    segment_services.list_add(segment_id=segment.pk, contact_ids=list(contact_ids))
    return segment
