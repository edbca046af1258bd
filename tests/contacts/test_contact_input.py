"""Raw contact input from any path (API, UI, forms, imports) turned into clean values."""

import pytest
from django.test import override_settings

from sarnakh.contacts.contact_input import clean_contact_input

pytestmark = pytest.mark.django_db


def test_given_not_an_object_then_one_error():
    _clean, errors = clean_contact_input(["email"])
    assert list(errors) == ["__all__"]


def test_given_unknown_fields_then_each_named():
    _clean, errors = clean_contact_input({"email": "a@example.com", "merged_into": 1, "search_text": "x"})
    assert set(errors) == {"merged_into", "search_text"}


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_messy_values_then_cleaned():
    clean, errors = clean_contact_input(
        {"email": " Ali@Bücher.example ", "phone": "۰۰۹۸ ۹۱۲ ۳۴۵ ۶۷۸۹", "first_name": "  علي\u200c  رضا ", "country": " ir ", "lead-status": None}
        | {"lead_status": "in-progress", "tags": [" a ", "a", "", "b"]}
    )
    assert set(errors) == {"lead-status"}
    assert clean.values["email"] == "ali@xn--bcher-kva.example"
    assert clean.values["phone"] == "+989123456789"
    assert clean.values["first_name"] == "علي\u200c رضا"
    assert clean.values["country"] == "IR" and clean.values["lead_status"] == "in_progress"
    assert clean.tags == ["a", "b"]


def test_given_51_tags_then_refused():
    _clean, errors = clean_contact_input({"tags": [f"t{i}" for i in range(51)]})
    assert "tags" in errors


@pytest.mark.parametrize("field,value", [("owner", True), ("owner", "1"), ("phone", 1.5), ("email", 5), ("time_zone", 5), ("company", 1.5), ("stage", None)])
def test_given_wrong_type_then_refused(field, value):
    _clean, errors = clean_contact_input({field: value})
    assert field in errors
