"""core.users: create, change role, deactivate."""

from __future__ import annotations

import pytest

from sarnakh.core.errors import Conflict, ValidationFailed
from sarnakh.core.roles import can, role_of
from sarnakh.core.users import assignable_users, user_create, user_deactivate, user_set_role

pytestmark = pytest.mark.django_db


def test_given_valid_input_when_creating_user_then_role_assigned():
    user = user_create(username="maryam", password="pass-word-123", role="marketing", email="m@example.com")
    assert role_of(user) == "marketing" and can(user, "contacts.bulk")


def test_given_unknown_role_or_duplicate_name_when_creating_then_refused():
    with pytest.raises(ValidationFailed) as exc:
        user_create(username="x", password="pass-word-123", role="boss")
    assert "role" in exc.value.fields
    user_create(username="dup", password="pass-word-123", role="sales")
    with pytest.raises(Conflict):
        user_create(username="DUP", password="pass-word-123", role="sales")


def test_given_superuser_when_demoted_then_no_longer_admin(django_user_model, admin_user):
    boss = django_user_model.objects.create_superuser(username="root", password="pass-word-123")
    user_set_role(user_id=boss.pk, role="sales", acting_user=admin_user)
    boss.refresh_from_db()
    assert role_of(boss) == "sales" and not can(boss, "settings.manage")


def test_given_own_account_when_changing_role_or_deactivating_then_refused(admin_user):
    with pytest.raises(ValidationFailed):
        user_set_role(user_id=admin_user.pk, role="sales", acting_user=admin_user)
    with pytest.raises(ValidationFailed):
        user_deactivate(user_id=admin_user.pk, acting_user=admin_user)


def test_given_deactivated_user_when_listing_owners_then_left_out(sales_user, admin_user):
    user_deactivate(user_id=sales_user.pk, acting_user=admin_user)
    assert sales_user not in assignable_users()
    assert admin_user in assignable_users()
