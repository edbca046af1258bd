"""Settings pages (admins): stages, custom properties, users, API keys."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from sarnakh.contacts.models import LifecycleStage, PropertyDefinition
from sarnakh.core.models import ApiKey
from sarnakh.core.roles import role_of

pytestmark = pytest.mark.django_db


def test_given_stage_when_renamed_then_new_name_everywhere(admin_client):
    admin_client.post("/settings/", {"action": "update", "key": "mql", "name": "Hot lead", "funnel": "mofu"})
    assert LifecycleStage.objects.get(key="mql").name == "Hot lead"
    assert "Hot lead" in admin_client.get("/").content.decode()


def test_given_stage_when_its_persian_name_is_edited_then_persian_pages_show_it(admin_client, make_contact):
    make_contact(email="sara@example.com", stage="customer")
    admin_client.post("/settings/", {"action": "update", "key": "customer", "name": "Customer", "name_fa": "خریدار", "funnel": "bofu"})

    assert LifecycleStage.objects.get(key="customer").name_fa == "خریدار"
    admin_client.cookies["django_language"] = "fa"
    assert "خریدار" in admin_client.get("/contacts/").content.decode()
    admin_client.cookies["django_language"] = "en"
    assert "خریدار" not in admin_client.get("/contacts/").content.decode()


def test_given_new_stage_after_another_when_added_then_ordered_after_it(admin_client):
    response = admin_client.post("/settings/", {"action": "create", "key": "demo_booked", "name": "Demo booked", "after": "sql", "funnel": "bofu", "kind": "funnel"}, follow=True)
    assert "Stage added." in response.content.decode()
    keys = list(LifecycleStage.objects.values_list("key", flat=True))
    assert keys.index("demo_booked") == keys.index("sql") + 1


def test_given_bad_stage_key_when_added_then_error_message(admin_client):
    response = admin_client.post("/settings/", {"action": "create", "key": "Bad Key", "name": "X"}, follow=True)
    assert "Use lower-case letters" in response.content.decode()
    assert not LifecycleStage.objects.filter(name="X").exists()


def test_given_property_definition_when_defined_edited_and_deleted_then_reflected(admin_client):
    admin_client.post("/settings/properties/", {"action": "create", "object_type": "contact", "key": "plan", "label": "Plan", "type": "choice", "choices": "Free\nPro"})
    definition = PropertyDefinition.objects.get(key="plan")
    assert definition.choices == ["Free", "Pro"]
    admin_client.post("/settings/properties/", {"action": "update", "id": definition.pk, "label": "Pricing plan", "choices": "Free\nPro\nEnterprise"})
    definition.refresh_from_db()
    assert definition.label == "Pricing plan" and definition.choices == ["Free", "Pro", "Enterprise"]
    admin_client.post("/settings/properties/", {"action": "delete", "id": definition.pk})
    assert not PropertyDefinition.objects.filter(pk=definition.pk).exists()


def test_given_choice_property_without_choices_when_defined_then_error(admin_client):
    response = admin_client.post("/settings/properties/", {"action": "create", "object_type": "company", "key": "tier", "label": "Tier", "type": "choice", "choices": ""}, follow=True)
    assert "Give at least one choice." in response.content.decode()


def test_given_user_form_when_posted_then_user_created_with_role_then_role_changed_then_deactivated(admin_client):
    admin_client.post("/settings/users/", {"action": "create", "username": "rep2", "password": "pass-word-123", "role": "sales", "first_name": "Rep"})
    user = get_user_model().objects.get(username="rep2")
    assert role_of(user) == "sales" and user.check_password("pass-word-123")
    admin_client.post("/settings/users/", {"action": "role", "id": user.pk, "role": "marketing"})
    user.refresh_from_db()
    assert role_of(user) == "marketing"
    admin_client.post("/settings/users/", {"action": "deactivate", "id": user.pk})
    user.refresh_from_db()
    assert not user.is_active


def test_given_short_password_when_creating_user_then_error_and_no_user(admin_client):
    response = admin_client.post("/settings/users/", {"action": "create", "username": "rep3", "password": "short", "role": "sales"}, follow=True)
    assert "alert-error" in response.content.decode()
    assert not get_user_model().objects.filter(username="rep3").exists()


def test_given_admin_when_deactivating_self_then_refused(admin_client, admin_user):
    response = admin_client.post("/settings/users/", {"action": "deactivate", "id": admin_user.pk}, follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_given_api_key_when_created_then_shown_once_and_revocable(admin_client):
    response = admin_client.post("/settings/api-keys/", {"action": "create", "name": "Website", "scope": "write"}, follow=True)
    body = response.content.decode()
    assert 'id="new-api-key"' in body and "snk_" in body
    assert 'id="new-api-key"' not in admin_client.get("/settings/api-keys/").content.decode()
    key = ApiKey.objects.get(name="Website")
    assert key.scope == "write"
    admin_client.post("/settings/api-keys/", {"action": "revoke", "id": key.pk})
    key.refresh_from_db()
    assert key.revoked_at is not None
