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


def test_given_persian_reader_when_a_bulk_action_reports_a_count_then_in_persian_digits(admin_client, make_contact):
    contacts = [make_contact(email=f"p{i}@example.com") for i in range(12)]
    admin_client.cookies["django_language"] = "fa"

    response = admin_client.post("/contacts/bulk/", {"ids": [c.pk for c in contacts], "action": "tag", "tag": "vip"}, follow=True)

    assert "برچسب به ۱۲ مخاطب افزوده شد." in response.content.decode()


def test_given_a_contact_with_a_phone_and_a_company_ending_in_a_full_stop_then_both_isolated_on_the_persian_page(admin_client, make_contact):
    contact = make_contact(first_name="نگار", phone="+989121234567", company="Atlas Co.")
    admin_client.cookies["django_language"] = "fa"

    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()

    assert '<bdi class="uv" dir="auto">+989121234567</bdi>' in page
    assert '<bdi class="uv" dir="auto">Atlas Co.</bdi>' in page
