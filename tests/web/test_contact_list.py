"""Contacts list: search, filters, sort, pagination, live search fragment, bulk actions, create."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Activity, Contact, StageChange
from tests.web.conftest import htmx_headers

pytestmark = pytest.mark.django_db


def test_given_persian_name_when_searching_with_arabic_letters_then_found(admin_client, make_contact):
    make_contact(first_name="علی", last_name="رضایی", email="ali@example.com")
    make_contact(first_name="John", last_name="Smith", email="john@example.com")
    page = admin_client.get("/contacts/", {"q": "علي"}).content.decode()
    assert "رضایی" in page
    assert "Smith" not in page


def test_given_phone_when_searching_with_persian_digits_then_found(admin_client, make_contact):
    make_contact(first_name="Sara", phone="09123456789")
    page = admin_client.get("/contacts/", {"q": "۰۹۱۲۳۴۵"}).content.decode()
    assert "Sara" in page


def test_given_filters_when_listing_then_only_matching_contacts(admin_client, make_contact, sales_user):
    make_contact(first_name="Ingrid", channel="web_form", source_type="inbound", tags=["vip"], owner=sales_user.pk)
    make_contact(first_name="Otto", channel="cold_call", source_type="outbound", stage="mql")
    assert "Ingrid" in admin_client.get("/contacts/", {"channel": "web_form"}).content.decode()
    assert "Otto" not in admin_client.get("/contacts/", {"channel": "web_form"}).content.decode()
    assert "Otto" in admin_client.get("/contacts/", {"source_type": "outbound"}).content.decode()
    assert "Otto" in admin_client.get("/contacts/", {"stage": "mql"}).content.decode()
    by_tag = admin_client.get("/contacts/", {"tag": "vip"}).content.decode()
    assert "Ingrid" in by_tag and "Otto" not in by_tag
    by_owner = admin_client.get("/contacts/", {"owner": sales_user.pk}).content.decode()
    assert "Ingrid" in by_owner and "Otto" not in by_owner


def test_given_sort_by_name_when_listing_then_ordered_by_last_name(admin_client, make_contact):
    make_contact(first_name="Zed", last_name="Alpha")
    make_contact(first_name="Amy", last_name="Zulu")
    page = admin_client.get("/contacts/", {"sort": "name"}).content.decode()
    assert page.index("Zed Alpha") < page.index("Amy Zulu")
    assert admin_client.get("/contacts/", {"sort": "nonsense"}).status_code == 200


def test_given_more_than_a_page_when_listing_then_paginated(admin_client, make_contact):
    for i in range(30):
        make_contact(first_name=f"Person{i:02d}", email=f"p{i}@example.com")
    first = admin_client.get("/contacts/").content.decode()
    second = admin_client.get("/contacts/", {"page": 2}).content.decode()
    assert "Person29" in first and "Person29" not in second
    assert "Person00" in second
    assert 'rel="next"' in first


def test_given_htmx_live_search_when_typing_then_only_results_fragment(admin_client, make_contact):
    make_contact(first_name="Fragment")
    response = admin_client.get("/contacts/", {"q": "frag"}, **htmx_headers("contact-results"))
    body = response.content.decode()
    assert "Fragment" in body
    assert "<html" not in body and 'id="bulk-form"' in body


def test_given_new_contact_form_when_posted_then_created_and_redirected(admin_client):
    response = admin_client.post("/contacts/new/", {"first_name": "Neda", "email": "Neda@Example.com", "channel": "web_form", "source_type": "inbound", "tags": "a, b"})
    contact = Contact.objects.get(email="neda@example.com")
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    assert sorted(contact.tags.values_list("name", flat=True)) == ["a", "b"]
    assert "Contact created." in admin_client.get(response["Location"]).content.decode()


def test_given_existing_email_when_creating_again_then_existing_contact_updated_and_said_so(admin_client, make_contact):
    existing = make_contact(first_name="Ali", email="ali@example.com")
    response = admin_client.post("/contacts/new/", {"first_name": "Ali", "email": "ALI@example.com", "phone": "09123456789", "source_type": "inbound", "channel": "other"}, follow=True)
    assert Contact.objects.count() == 1
    assert response.redirect_chain[-1][0] == f"/contacts/{existing.pk}/"
    assert "An existing contact with the same email was updated" in response.content.decode()


def test_given_invalid_email_when_creating_then_422_with_field_error(admin_client):
    response = admin_client.post("/contacts/new/", {"first_name": "X", "email": "not-an-email", "source_type": "inbound", "channel": "other"})
    assert response.status_code == 422
    assert "Enter a valid email address" in response.content.decode()
    assert Contact.objects.count() == 0


def test_given_selected_contacts_when_bulk_changing_owner_then_owner_set_with_timeline(admin_client, make_contact, sales_user):
    a, b = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    response = admin_client.post("/contacts/bulk/", {"ids": [a.pk, b.pk], "action": "owner", "owner": sales_user.pk, "next": "/contacts/?q=x"})
    assert response.status_code == 302 and response["Location"] == "/contacts/?q=x"
    assert set(Contact.objects.values_list("owner_id", flat=True)) == {sales_user.pk}
    assert Activity.objects.filter(kind="owner_changed").count() == 2


def test_given_selected_contacts_when_bulk_adding_tag_then_tagged(marketer_client, make_contact):
    a = make_contact(email="a@example.com")
    response = marketer_client.post("/contacts/bulk/", {"ids": [a.pk], "action": "tag", "tag": "webinar"}, follow=True)
    assert list(a.tags.values_list("name", flat=True)) == ["webinar"]
    assert "Tag added to 1 contact." in response.content.decode()


def test_given_selected_contacts_when_bulk_moving_stage_then_forward_moves_only(admin_client, make_contact):
    early, late = make_contact(email="a@example.com", stage="lead"), make_contact(email="b@example.com", stage="customer")
    response = admin_client.post("/contacts/bulk/", {"ids": [early.pk, late.pk], "action": "stage", "stage": "mql"}, follow=True)
    early.refresh_from_db()
    late.refresh_from_db()
    assert (early.stage_id, late.stage_id) == ("mql", "customer")
    assert StageChange.objects.filter(contact=early, to_stage="mql").exists()
    assert "1 contact was not moved" in response.content.decode()


def test_given_no_selection_when_bulk_action_then_error_message(admin_client):
    response = admin_client.post("/contacts/bulk/", {"action": "tag", "tag": "x"}, follow=True)
    assert "Select at least one contact." in response.content.decode()


def test_given_external_next_when_bulk_action_then_redirect_stays_on_site(admin_client, make_contact):
    a = make_contact(email="a@example.com")
    response = admin_client.post("/contacts/bulk/", {"ids": [a.pk], "action": "tag", "tag": "x", "next": "https://evil.example/"})
    assert response["Location"] == "/contacts/"


def _names_in_order(page: str, names: list[str]) -> list[str]:
    return sorted(names, key=page.index)


def test_given_contacts_created_out_of_id_order_when_newest_or_oldest_first_then_the_created_column_decides(admin_client, make_contact):
    # given contacts whose creation dates (an import keeps the file's) do not follow their ids
    import datetime as dt

    from django.utils import timezone

    days = {"Imported": 300, "Recent": 1, "Middle": 30}
    for name, days_ago in days.items():
        contact = make_contact(first_name=name, last_name="Zz")
        Contact.objects.filter(pk=contact.pk).update(created_at=timezone.now() - dt.timedelta(days=days_ago))
    # when sorted newest first, then oldest first
    newest = admin_client.get("/contacts/", {"sort": "newest"}).content.decode()
    oldest = admin_client.get("/contacts/", {"sort": "oldest"}).content.decode()
    # then the order is the Created column's, both ways
    assert _names_in_order(newest, ["Imported Zz", "Recent Zz", "Middle Zz"]) == ["Recent Zz", "Middle Zz", "Imported Zz"]
    assert _names_in_order(oldest, ["Imported Zz", "Recent Zz", "Middle Zz"]) == ["Imported Zz", "Middle Zz", "Recent Zz"]


@pytest.fixture
def scored(make_contact):
    """Three contacts scored by the default model (fit 35 = grade B, 15 = C, 0 = D) and
    one created after the re-score, so never scored."""
    from sarnakh.scoring.services import contacts_rescore_all

    make_contact(first_name="Top", last_name="Lead", email="boss@acme.io", job_title="Sales Manager")
    make_contact(first_name="Mid", last_name="Lead", email="someone@acme.io")
    make_contact(first_name="Low", last_name="Lead", email="low.lead@gmail.com")
    contacts_rescore_all()
    make_contact(first_name="Unscored", last_name="Lead", email="new.lead@gmail.com")
    return ["Top Lead", "Mid Lead", "Low Lead", "Unscored Lead"]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("score_high", ["Top Lead", "Mid Lead", "Low Lead", "Unscored Lead"]),
        ("score_low", ["Low Lead", "Mid Lead", "Top Lead", "Unscored Lead"]),
        ("grade_best", ["Top Lead", "Mid Lead", "Low Lead", "Unscored Lead"]),
        ("grade_worst", ["Low Lead", "Mid Lead", "Top Lead", "Unscored Lead"]),
    ],
)
def test_given_scored_contacts_when_sorting_by_score_or_grade_then_ordered_with_the_unscored_last(admin_client, scored, sort, expected):
    page = admin_client.get("/contacts/", {"sort": sort}).content.decode()

    assert _names_in_order(page, scored) == expected


def test_given_scored_contacts_when_listing_then_score_and_grade_columns_show_them(admin_client, scored):
    page = admin_client.get("/contacts/", {"sort": "score_high"}).content.decode()

    assert ">Score<" in page and ">Grade<" in page
    assert "35.00" in page and ">B</bdi>" in page


def test_given_a_sort_when_listing_then_its_header_says_so_and_a_click_turns_it_around(admin_client, scored):
    page = admin_client.get("/contacts/", {"sort": "score_high", "page": "1"}).content.decode()

    assert 'aria-sort="descending"><a class="th-sort" href="?sort=score_low"' in page
    assert '<a class="th-sort" href="?sort=newest"' in page  # another column: its first order


def test_given_a_header_click_over_htmx_then_the_results_say_their_order_for_the_sort_menu(admin_client, scored):
    response = admin_client.get("/contacts/", {"sort": "grade_best"}, **htmx_headers("contact-results"))

    assert 'id="bulk-form" class="card results" data-sort="grade_best"' in response.content.decode()
