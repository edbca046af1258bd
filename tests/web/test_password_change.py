"""Changing passwords: one's own (current + new twice) and, for admins, another user's."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.core.errors import ValidationFailed
from sarnakh.core.users import initial_admin_file, user_set_password

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"


def _change(client: Client, old: str, new: str, again: str | None = None):
    return client.post("/settings/password/", {"old_password": old, "new_password1": new, "new_password2": again or new})


def test_given_any_user_then_the_password_page_is_in_the_user_menu_and_settings(sales_client):
    page = sales_client.get("/settings/password/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'href="/settings/password/"' in body and 'name="old_password"' in body


def test_given_current_password_when_changing_then_new_one_works_and_session_kept(sales_user, sales_client):
    response = _change(sales_client, PASSWORD, "a-brand-new-secret")

    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert sales_user.check_password("a-brand-new-secret")
    assert sales_client.get("/contacts/").status_code == 200  # still logged in here


def test_given_a_second_session_when_password_changes_then_that_session_ends(sales_user, sales_client):
    other = Client()
    other.force_login(sales_user)

    _change(sales_client, PASSWORD, "a-brand-new-secret")

    assert other.get("/contacts/").status_code == 302


@pytest.mark.parametrize(
    ("old", "new", "again", "field"),
    [
        ("wrong-current", "a-brand-new-secret", None, "old_password"),
        (PASSWORD, "a-brand-new-secret", "something-else", "new_password2"),
        (PASSWORD, "short", None, "new_password2"),
    ],
    ids=["wrong current", "mismatch", "too short"],
)
def test_given_bad_input_when_changing_then_error_named_and_nothing_changed(sales_user, sales_client, old, new, again, field):
    response = _change(sales_client, old, new, again)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "field-error" in response.content.decode()
    sales_user.refresh_from_db()
    assert sales_user.check_password(PASSWORD)


@pytest.fixture
def initial_admin(settings, tmp_path):
    settings.SARNAKH_HOME = tmp_path
    initial_admin_file().write_text(f"admin1 {PASSWORD}\n")
    return initial_admin_file()


def test_given_initial_admin_file_when_that_admin_changes_password_then_file_deleted(
    admin_user, admin_client, initial_admin, django_capture_on_commit_callbacks
):
    assert initial_admin.exists()
    with django_capture_on_commit_callbacks(execute=True):
        _change(admin_client, PASSWORD, "a-brand-new-secret")

    assert not initial_admin.exists()


def test_given_initial_admin_file_of_someone_else_when_changing_password_then_file_kept(
    admin_user, sales_client, initial_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _change(sales_client, PASSWORD, "a-brand-new-secret")

    assert initial_admin.exists()


def test_given_initial_admin_file_when_an_admin_sets_that_password_then_file_deleted(
    admin_client, django_user_model, initial_admin, settings, django_capture_on_commit_callbacks
):
    initial_admin.write_text(f"root {PASSWORD}\n")
    root = django_user_model.objects.create_superuser(username="root", password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post("/settings/users/", {"action": "set_password", "id": root.pk, "password": "set-by-the-admin"})

    assert not initial_admin.exists()


def test_given_admin_when_setting_another_users_password_then_it_works(admin_client, sales_user):
    response = admin_client.post("/settings/users/", {"action": "set_password", "id": sales_user.pk, "password": "set-by-the-admin"})

    assert response.status_code == 302
    sales_user.refresh_from_db()
    assert sales_user.check_password("set-by-the-admin")


def test_given_too_short_password_when_admin_sets_it_then_refused(admin_client, sales_user):
    admin_client.post("/settings/users/", {"action": "set_password", "id": sales_user.pk, "password": "short"})

    sales_user.refresh_from_db()
    assert sales_user.check_password(PASSWORD)


def test_given_own_account_when_setting_password_from_users_page_then_refused(admin_user):
    with pytest.raises(ValidationFailed):
        user_set_password(user_id=admin_user.pk, password="a-brand-new-secret", acting_user=admin_user)


def test_given_non_admin_when_setting_someone_elses_password_then_403(sales_client, admin_user):
    response = sales_client.post("/settings/users/", {"action": "set_password", "id": admin_user.pk, "password": "take-over-1234"})

    assert response.status_code == 403
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)
