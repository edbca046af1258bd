"""Language switch, page direction, and dates in the reader's calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from sarnakh.web.templatetags.sarnakh_ui import day, num, when

pytestmark = pytest.mark.django_db


def test_given_english_when_page_rendered_then_ltr(admin_client):
    body = admin_client.get("/").content.decode()
    assert '<html lang="en" dir="ltr">' in body


def test_given_persian_chosen_when_page_rendered_then_rtl_with_vazirmatn(admin_client):
    response = admin_client.post("/i18n/setlang/", {"language": "fa", "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    body = admin_client.get("/contacts/").content.decode()
    assert '<html lang="fa" dir="rtl">' in body
    assert "vendor/vazirmatn/" in body


def test_given_persian_when_formatting_a_date_then_jalali_with_persian_digits():
    moment = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)  # 1 Farvardin 1403
    with translation.override("fa"):
        text = day(moment.date())
        assert "۱۴۰۳" in text and "فروردین" in text
        assert "۱۴۰۳" in when(moment)
        assert num(12345) == "۱۲٬۳۴۵"
    with translation.override("en"):
        assert day(moment.date()) == "20 Mar 2024"
        assert "2024" in when(moment)
        assert num(12345) == "12,345"


def test_given_iso_date_string_when_formatting_then_parsed():
    with translation.override("en"):
        assert day("2024-03-20") == "20 Mar 2024"
    assert day(None) == "" and day("garbage") == ""
