"""The hygiene pages in English and Persian, who may see them, and their forms."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.segments.hygiene.models import DuplicateDismissal
from tests.segments.hygiene.conftest import T0, add_contact

pytestmark = pytest.mark.django_db
PAGES = ["/hygiene/", "/hygiene/?flag=role", "/hygiene/duplicates/", "/hygiene/inactive/", "/hygiene/inactive/?days=30"]


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_planted_data_then_every_hygiene_page_renders_in_each_language(marketer_client, planted, language):
    marketer_client.cookies["django_language"] = language
    for path in PAGES:
        response = marketer_client.get(path)
        assert response.status_code == 200, path
    page = marketer_client.get("/hygiene/duplicates/").content.decode()
    assert page.count('name="ids"') == 3
    if language == "fa":
        assert "نشانی جیمیل یکسان بدون نقطه" in page
    else:
        assert "Same Gmail address without dots or +tag" in page and "Names 100% alike at the same company" in page


def test_given_the_segments_page_then_list_hygiene_is_linked_for_marketing_and_not_for_sales(marketer_client, sales_client, db):
    assert 'href="/hygiene/"' in marketer_client.get("/segments/").content.decode()
    assert 'href="/hygiene/"' not in sales_client.get("/segments/").content.decode()
    assert sales_client.get("/hygiene/").status_code == 403


def test_given_selected_pairs_when_merge_selected_then_the_chosen_survivor_keeps_the_record(marketer_client, planted):
    older, newer = planted["gmail"]
    a, b = planted["arabic"]
    response = marketer_client.post("/hygiene/duplicates/", {
        "action": "merge", "ids": [f"{older.pk}-{newer.pk}", f"{a.pk}-{b.pk}"],
        f"keep_{a.pk}-{b.pk}": str(b.pk),  # the newer one chosen here
    })
    assert response.status_code == 302
    assert Contact.objects.get(pk=newer.pk).merged_into_id == older.pk
    assert Contact.objects.get(pk=a.pk).merged_into_id == b.pk


def test_given_a_pair_when_not_a_duplicate_then_it_is_dismissed_and_gone_from_the_page(marketer_client, planted):
    a, b = planted["phone"]
    done = marketer_client.post("/hygiene/duplicates/", {"dismiss_one": f"{a.pk}-{b.pk}"}, follow=True)
    assert "1 pair marked as two different people." in done.content.decode()
    assert DuplicateDismissal.objects.filter(contact_low=a.pk, contact_high=b.pk).exists()
    assert f'value="{a.pk}-{b.pk}"' not in marketer_client.get("/hygiene/duplicates/").content.decode()


def test_given_inactive_contacts_when_sunset_all_listed_then_they_go_cold(marketer_client, db):
    quiet = add_contact(T0, first_name="Quiet", email="quiet@example.ir")
    with clock.frozen_at(T0 + dt.timedelta(days=200)):
        page = marketer_client.get("/hygiene/inactive/?days=180").content.decode()
        assert f'value="{quiet.pk}"' in page
        response = marketer_client.post("/hygiene/inactive/", {"days": "180", "scope": "all", "cold": "1"})
    assert response.status_code == 302
    assert Contact.objects.get(pk=quiet.pk).stage_id == "cold"


def test_given_a_sunset_without_an_action_then_nothing_changes_and_the_page_says_why(marketer_client, db):
    quiet = add_contact(T0, first_name="Quiet", email="quiet@example.ir")
    with clock.frozen_at(T0 + dt.timedelta(days=200)):
        response = marketer_client.post("/hygiene/inactive/", {"days": "180", "ids": [str(quiet.pk)]}, follow=True)
    assert "Choose what to do" in response.content.decode()
    assert Contact.objects.get(pk=quiet.pk).stage_id == "lead"
