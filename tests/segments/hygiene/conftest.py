"""Contacts made through contacts' own services, at a chosen moment."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts import services as contact_services
from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.tracking.models import Event

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


def add_contact(at: dt.datetime = T0, **data) -> Contact:
    with clock.frozen_at(at):
        return contact_services.contact_upsert(data=data, actor=Actor.system("test")).contact


def add_event(contact: Contact, at: dt.datetime, *, is_bot: bool = False, n: list[int] = [0]) -> Event:  # noqa: B006
    n[0] += 1
    return Event.objects.create(source="internal", event_id=f"h{n[0]}", type="page_view", path="/", occurred_at=at,
                                received_at=at, contact=contact, is_bot=is_bot)


@pytest.fixture
def planted(db):
    """The demo's planted duplicates, with a non-duplicate colleague beside them."""
    return {
        "gmail": (add_contact(first_name="Sara", last_name="Tehrani", email="sara.tehrani@gmail.com"),
                  add_contact(T0 + dt.timedelta(days=3), first_name="Sara", last_name="Tehrani", email="saratehrani+news@googlemail.com")),
        "arabic": (add_contact(first_name="علي", last_name="كريمي", email="ali.karimi@pars.ir", company="Pars"),
                   add_contact(T0 + dt.timedelta(days=5), first_name="علی", last_name="کریمی", email="a.karimi@pars.ir", company="Pars")),
        "phone": (add_contact(first_name="Niloofar", last_name="Sadeghi", email="n1@yahoo.com", phone="0912 345 6789"),
                  add_contact(T0 + dt.timedelta(days=1), first_name="Niloofar", last_name="Sadeghi", email="n2@outlook.com", phone="+98 912 345 6789")),
        "colleague": add_contact(first_name="Maryam", last_name="Ahmadi", email="maryam@pars.ir", company="Pars"),
    }


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Duplicate runs are cached per process; each test starts without them."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
