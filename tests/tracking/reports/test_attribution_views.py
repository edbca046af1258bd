"""The attribution page (tracking:attribution)."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.test import Client
from django.urls import reverse

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core import clock
from sarnakh.tracking.models import Session

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
_serial = itertools.count(1)


def make_contact(created_at, *, channel="other", campaign="") -> Contact:
    n = next(_serial)
    return Contact.objects.create(
        email=f"w{n}@example.com", stage_id="lead", channel=channel, utm_campaign=campaign, created_at=created_at, updated_at=created_at
    )


def visit(contact, at, channel, campaign=""):
    Session.objects.create(visitor_id=f"v{contact.pk}", contact=contact, started_at=at, last_event_at=at, channel=channel, utm_campaign=campaign)


@pytest.fixture
def journeys():
    """Created 3 days ago after organic search, email, social and paid search visits;
    one imported 60 days ago; one created 200 days ago by a cold call."""
    contact = make_contact(NOW - dt.timedelta(days=3))
    for days, channel in ((20, "organic_search"), (10, "email"), (5, "social"), (3.5, "paid_search")):
        visit(contact, NOW - dt.timedelta(days=days), channel, "black-friday" if channel == "paid_search" else "")
    StageChange.objects.create(contact=contact, to_stage="mql", changed_at=NOW - dt.timedelta(days=1))
    make_contact(NOW - dt.timedelta(days=60), channel="list_import")
    make_contact(NOW - dt.timedelta(days=200), channel="cold_call")
    return contact


def page(user, **params) -> str:
    client = Client()
    client.force_login(user)
    with clock.frozen_at(NOW):
        response = client.get(reverse("tracking:attribution"), params)
    assert response.status_code == 200
    return response.content.decode()


def cells(html: str, key: str) -> dict[str, str]:
    """model -> text of the cell in the row of `key`."""
    row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {key}"
    return {m: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for m, text in re.findall(r'data-model="(\w+)">(.*?)</td>', row.group(1), re.S)}


def bar_width(html: str, key: str) -> str:
    row = re.search(rf'<tr data-key="{re.escape(key)}">(.*?)</tr>', html, re.S)
    return re.search(r"inline-size: ([\d.]+)%", row.group(1)).group(1)


def test_every_role_sees_the_four_models_side_by_side(sales_user, journeys):
    html = page(sales_user)
    assert "4 conversions" not in html and "2 conversions" in html  # the 200-day-old one is outside 90 days
    assert "Organic search" in html and "Paid search" in html and "List import" in html  # channel labels, not keys
    assert cells(html, "organic_search") == {
        "first_touch": "1.00 (50.0%)", "last_touch": "0.00 (0.0%)", "linear": "0.25 (12.5%)", "u_shaped": "0.40 (20.0%)"
    }
    assert cells(html, "list_import")["u_shaped"] == "1.00 (50.0%)"
    assert "cold_call" not in html


def test_the_bars_follow_the_chosen_model_and_rows_are_sorted_by_it(marketer, journeys):
    html = page(marketer, model="last_touch")
    assert bar_width(html, "paid_search") == "50.0"
    assert bar_width(html, "organic_search") == "0.0"
    keys = re.findall(r'<tr data-key="(\w+)">', html)
    assert keys[:2] in (["list_import", "paid_search"], ["paid_search", "list_import"])
    assert keys[-1] in {"email", "organic_search", "social"}


def test_conversion_grouping_and_period_are_chosen_with_selects(admin_user, journeys):
    html = page(admin_user, conversion="mql", group_by="campaign", days="30")
    assert "1 conversion " in html
    assert cells(html, "black-friday")["last_touch"] == "1.00 (100.0%)"
    assert cells(html, "(none)")["first_touch"] == "1.00 (100.0%)"
    assert "(no campaign)" in html
    assert '<option value="30" selected>' in html and '<option value="mql" selected>' in html
    year = page(admin_user, days="365")
    assert "3 conversions" in year and "Cold call" in year


def test_unknown_choices_fall_back_to_the_defaults(admin_user, journeys):
    html = page(admin_user, conversion="sql", group_by="source", days="7", model="time_decay")
    assert '<option value="created" selected>' in html and '<option value="90" selected>' in html
    assert '<option value="linear" selected>' in html and '<option value="channel" selected>' in html


def test_an_empty_period_says_so_and_explains_the_models(admin_user):
    html = page(admin_user)
    assert "No conversions in this period." in html
    assert "U-shaped" in html and "40%" in html
    assert f'href="{reverse("tracking:live")}"' in html and f'href="{reverse("tracking:pages")}"' in html


def test_the_page_speaks_persian(admin_user, journeys):
    client = Client()
    client.force_login(admin_user)
    client.cookies["django_language"] = "fa"
    with clock.frozen_at(NOW):
        html = client.get(reverse("tracking:attribution")).content.decode()
    assert 'dir="rtl"' in html
    assert "۰٫۲۵" in html  # 0.25 in Persian digits
    assert "(۱۲٫۵٪)" in html
    assert "inline-size: 50.0%" in html  # CSS keeps Latin digits


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("tracking:attribution"))
    assert response.status_code == 302 and "login" in response["Location"]
