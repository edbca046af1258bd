"""Pure validation of custom property values."""

import datetime as dt

import pytest

from sarnakh.contacts.properties import (
    PropertySpec,
    apply_property_values,
    clean_property_value,
    clean_property_values,
)

TEXT = PropertySpec("notes", "Notes", "text")
NUMBER = PropertySpec("budget", "Budget", "number")
DATE = PropertySpec("renewal", "Renewal", "date")
BOOLEAN = PropertySpec("vip", "VIP", "boolean")
CHOICE = PropertySpec("size", "Size", "choice", ("small", "large"))
MULTI = PropertySpec("interests", "Interests", "multi_choice", ("crm", "email", "ads"))
SPECS = {s.key: s for s in (TEXT, NUMBER, DATE, BOOLEAN, CHOICE, MULTI)}


@pytest.mark.parametrize(
    "spec,raw,expected",
    [
        (TEXT, "  hello ", "hello"),
        (TEXT, 12, "12"),
        (NUMBER, 12, 12),
        (NUMBER, 2.5, 2.5),
        (NUMBER, "1,250", 1250),
        (NUMBER, "۱۲۳", 123),
        (NUMBER, "۱٫۵", 1.5),
        (NUMBER, "3.0", 3),
        (DATE, "2024-03-01", "2024-03-01"),
        (DATE, "2024/03/01", "2024-03-01"),
        (DATE, "۱۴۰۳-۰۱-۰۱", "2024-03-20"),
        (DATE, dt.date(2024, 1, 2), "2024-01-02"),
        (BOOLEAN, True, True),
        (BOOLEAN, "yes", True),
        (BOOLEAN, "خیر", False),
        (BOOLEAN, 0, False),
        (CHOICE, "large", "large"),
        (MULTI, ["crm", "ads", "crm"], ["crm", "ads"]),
        (MULTI, "crm;email", ["crm", "email"]),
    ],
)
def test_given_valid_value_when_cleaning_then_normalised(spec, raw, expected):
    assert clean_property_value(spec, raw) == expected


@pytest.mark.parametrize(
    "spec,raw",
    [
        (TEXT, {"a": 1}),
        (TEXT, ["a"]),
        (TEXT, "x" * 2001),
        (NUMBER, "twelve"),
        (NUMBER, True),
        (NUMBER, float("inf")),
        (NUMBER, float("nan")),
        (NUMBER, "NaN"),
        (NUMBER, "Infinity"),
        (NUMBER, [1]),
        (DATE, "2024-02-30"),
        (DATE, "yesterday"),
        (DATE, 20240101),
        (DATE, "1403-13-01"),
        (BOOLEAN, "maybe"),
        (BOOLEAN, 2),
        (CHOICE, "medium"),
        (CHOICE, ["small"]),
        (MULTI, ["crm", "tv"]),
    ],
)
def test_given_invalid_value_when_cleaning_then_refused(spec, raw):
    cleaned, errors = clean_property_values({spec.key: raw}, SPECS)
    assert list(errors) == [f"properties.{spec.key}"]
    assert errors[f"properties.{spec.key}"][0]


def test_given_unknown_key_when_cleaning_then_error_names_it():
    _cleaned, errors = clean_property_values({"nope": 1}, SPECS)
    assert list(errors) == ["properties.nope"]


def test_given_not_an_object_when_cleaning_then_error_on_properties():
    _cleaned, errors = clean_property_values(["budget"], SPECS)
    assert list(errors) == ["properties"]


@pytest.mark.parametrize("empty", [None, "", []])
def test_given_empty_value_when_cleaning_and_applying_then_value_removed(empty):
    cleaned, errors = clean_property_values({"budget": empty}, SPECS)
    assert not errors and cleaned == {"budget": None}
    assert apply_property_values({"budget": 5, "vip": True}, cleaned) == {"vip": True}
