"""Fixtures for staff UI tests: logged-in clients per role and a contact maker."""

from __future__ import annotations

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor

HTMX = {"HTTP_HX_REQUEST": "true"}


def htmx_headers(target: str = "") -> dict:
    headers = dict(HTMX)
    if target:
        headers["HTTP_HX_TARGET"] = target
    return headers


@pytest.fixture
def make_contact(admin_user):
    def make(**data):
        data.setdefault("first_name", "Test")
        return contact_upsert(data=data, actor=Actor.for_user(admin_user)).contact

    return make
