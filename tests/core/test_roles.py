import pytest
from django.contrib.auth.models import AnonymousUser

from sarnakh.core.roles import ADMIN, MARKETING, SALES, can, role_of, set_role
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_given_users_with_roles_then_capabilities_follow_the_role(django_user_model):
    admin = make_user(django_user_model, "a", ADMIN)
    marketer = make_user(django_user_model, "m", MARKETING)
    seller = make_user(django_user_model, "s", SALES)
    assert [role_of(u) for u in (admin, marketer, seller)] == [ADMIN, MARKETING, SALES]
    assert can(admin, "settings.manage")
    assert not can(marketer, "settings.manage") and can(marketer, "contacts.merge")
    assert can(seller, "contacts.edit") and not can(seller, "contacts.delete")


def test_given_role_change_then_only_the_new_role_remains(django_user_model):
    user = make_user(django_user_model, "u", SALES)
    set_role(user, MARKETING)
    assert role_of(user) == MARKETING
    assert list(user.groups.values_list("name", flat=True)) == [MARKETING]


def test_given_superuser_without_group_then_admin(django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-pw-pw-pw")
    assert role_of(user) == ADMIN and can(user, "settings.manage")


def test_given_anonymous_inactive_or_roleless_user_then_no_capability(django_user_model):
    inactive = make_user(django_user_model, "i", ADMIN)
    inactive.is_active = False
    roleless = django_user_model.objects.create_user("n", password="pw-pw-pw-pw")
    for user in (AnonymousUser(), inactive, roleless):
        assert role_of(user) is None and not can(user, "contacts.view")


def test_given_unknown_role_or_capability_then_errors(django_user_model):
    user = make_user(django_user_model, "x", SALES)
    with pytest.raises(ValueError):
        set_role(user, "owner")
    with pytest.raises(KeyError):
        can(user, "contacts.fly")
