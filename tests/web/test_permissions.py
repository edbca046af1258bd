"""Every staff page needs a login; each action needs its role's capability."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/contacts/",
    "/contacts/new/",
    "/companies/",
    "/settings/",
    "/settings/properties/",
    "/settings/users/",
    "/settings/api-keys/",
]
SETTINGS_PAGES = [p for p in PAGES if p.startswith("/settings")]


@pytest.mark.parametrize("path", PAGES)
def test_given_anonymous_visitor_when_opening_a_page_then_redirected_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_given_anonymous_visitor_when_opening_a_contact_then_redirected_to_login(client, make_contact):
    contact = make_contact(email="a@example.com")
    response = client.get(f"/contacts/{contact.pk}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_given_sales_user_when_opening_settings_then_403(sales_client, path):
    assert sales_client.get(path).status_code == 403


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_given_marketer_when_opening_settings_then_403(marketer_client, path):
    assert marketer_client.get(path).status_code == 403


@pytest.mark.parametrize("path", SETTINGS_PAGES)
def test_given_admin_when_opening_settings_then_200(admin_client, path):
    assert admin_client.get(path).status_code == 200


def test_given_sales_user_when_posting_to_settings_then_403_and_nothing_changes(sales_client):
    response = sales_client.post("/settings/users/", {"action": "create", "username": "x", "password": "pass-word-123", "role": "admin"})
    assert response.status_code == 403
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="x").exists()


def test_given_sales_user_when_using_bulk_merge_or_delete_then_403(sales_client, make_contact):
    a, b = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    assert sales_client.post("/contacts/bulk/", {"ids": [a.pk], "action": "tag", "tag": "x"}).status_code == 403
    assert sales_client.get(f"/contacts/{a.pk}/merge/").status_code == 403
    assert sales_client.post(f"/contacts/{a.pk}/merge/", {"other": b.pk}).status_code == 403
    assert sales_client.post(f"/contacts/{a.pk}/delete/").status_code == 403


def test_given_sales_user_when_viewing_contacts_then_no_bulk_merge_or_delete_controls(sales_client, make_contact):
    contact = make_contact(email="a@example.com")
    listing = sales_client.get("/contacts/").content.decode()
    page = sales_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert 'name="ids"' not in listing
    assert f"/contacts/{contact.pk}/merge/" not in page
    assert f"/contacts/{contact.pk}/delete/" not in page
    # Settings pages other than everyone's own password page are not offered.
    assert page.count("/settings/") == page.count("/settings/password/")


def test_given_sales_user_when_editing_a_contact_then_allowed(sales_client, make_contact):
    contact = make_contact(email="a@example.com")
    response = sales_client.post(f"/contacts/{contact.pk}/fields/job_title/", {"value": "CTO"})
    assert response.status_code == 302


def test_given_user_without_role_when_opening_dashboard_then_403(client, django_user_model):
    user = django_user_model.objects.create_user(username="norole", password="pass-word-123")
    client.force_login(user)
    assert client.get("/").status_code == 403


def test_given_credentials_when_logging_in_then_dashboard(client, admin_user):
    response = client.post("/login/", {"username": "admin1", "password": "pass-word-123"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_given_wrong_password_when_logging_in_then_error_shown(client, admin_user):
    response = client.post("/login/", {"username": "admin1", "password": "wrong"})
    assert response.status_code == 200
    assert b"alert-error" in response.content


def test_given_logged_in_user_when_logging_out_then_back_to_login(admin_client):
    response = admin_client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert admin_client.get("/").status_code == 302
