"""The Persian catalogue is compiled and used: pages render translated and right-to-left."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_given_admin_with_persian_when_opening_contacts_then_rtl_and_translated_nav(admin_client):
    admin_client.cookies["django_language"] = "fa"

    body = admin_client.get("/contacts/").content.decode()

    assert 'dir="rtl"' in body
    assert "مخاطبان" in body
    assert "New contact" not in body and "مخاطب جدید" in body
