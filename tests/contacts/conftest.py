"""Fixtures for the contacts tests: an API actor and a quick way to make contacts."""

from __future__ import annotations

import pytest

from sarnakh.contacts import services
from sarnakh.core.actor import Actor


@pytest.fixture
def system_actor():
    return Actor.system("tests")


@pytest.fixture
def make_contact(db, system_actor):
    def make(**data):
        return services.contact_upsert(data=data, actor=system_actor).contact

    return make
