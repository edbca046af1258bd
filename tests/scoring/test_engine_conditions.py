"""Condition operators: what each one accepts, Persian-aware text, bands, and bad values."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.choices import EmployeeBand, RevenueBand
from sarnakh.core.registry import UnknownKey
from sarnakh.scoring.engine import (
    EMPLOYEE_BANDS,
    OPERATORS,
    REVENUE_BANDS,
    CompanyFacts,
    Condition,
    EventFacts,
    PersonFacts,
)

JAN_1 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def check(op: str, value, actual) -> bool:
    """Given a condition on a custom property, when the person has `actual`, does it hold?"""
    person = PersonFacts(properties={"x": actual})
    return Condition("properties.x", op, value).holds(person)


def test_band_order_copied_into_the_engine_matches_the_contact_choices():
    assert list(EMPLOYEE_BANDS) == [value for value, _ in EmployeeBand.choices]
    assert list(REVENUE_BANDS) == [value for value, _ in RevenueBand.choices]


def test_every_documented_operator_is_registered_and_unknown_ones_raise():
    keys = {spec.key for spec in OPERATORS}
    assert {"eq", "ne", "in", "not_in", "contains_any", "starts_with", "matches", "path_matches",
            "gte", "lte", "is_set", "is_company_email"} <= keys
    with pytest.raises(UnknownKey):
        OPERATORS.get("sounds_like")


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("eq", "Software", "  software ", True),
        ("eq", "كتاب", "کتاب", True),  # Arabic kaf typed, Persian kaf stored
        ("eq", 12, "12", True),  # a number typed into a form
        ("eq", 12, "۱۲", True),  # Persian digits
        ("eq", True, True, True),
        ("eq", True, "true", False),  # booleans only equal booleans
        ("eq", "a", None, False),
        ("ne", "a", "b", True),
        ("ne", "a", "A", False),
        ("ne", "a", None, True),  # missing is not equal to anything
        ("in", ["IR", "AE"], "ir", True),
        ("in", ["IR", "AE"], "DE", False),
        ("in", ["IR"], "", False),
        ("not_in", ["IR"], "DE", True),
        ("not_in", ["IR"], "IR", False),
        ("not_in", ["IR"], None, True),
        ("starts_with", ["+98", "0098"], "+98 912", True),
        ("starts_with", "Dr", "dr. Ahmadi", True),
        ("starts_with", "Dr", "Mr Dr", False),
        ("matches", r"^\d{4}$", "2025", True),
        ("matches", r"^\d{4}$", "x2025", False),
        ("matches", r"ACME", "at acme inc", True),  # case-insensitive, unanchored unless anchored
        ("matches", "مدیر", "مدير", True),  # pattern also tried on the normalised text
        ("gte", 10, "12", True),
        ("gte", 10, 10, True),
        ("gte", 10, 9.99, False),
        ("lte", 10, 10, True),
        ("lte", 10, "abc", False),
        ("gte", 10, None, False),
        ("is_set", None, "x", True),
        ("is_set", None, "   ", False),
        ("is_set", None, [], False),
        ("is_set", None, False, True),  # a "no" answer is an answer
        ("is_not_set", None, None, True),
        ("is_not_set", None, "x", False),
        ("is_yes", None, "Yes", True),
        ("is_yes", None, "yes, approved in Q3", True),
        ("is_yes", None, "بله", True),
        ("is_yes", None, True, True),
        ("is_yes", None, "no", False),
        ("is_yes", None, "not yet", False),
        ("is_yes", None, False, False),
        ("is_yes", None, None, False),
    ],
)
def test_operator(op, value, actual, expected):
    assert check(op, value, actual) is expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Sales Manager", True),
        ("Head of Marketing", True),
        ("VP, Sales", True),
        ("Co-Founder", True),
        ("HR assistant", False),
        ("Managerial accountant", False),  # whole words: "manager" is not "managerial"
        ("Human resources", False),  # "man" is not listed and "human" holds no listed word
        ("مدير فروش", True),  # Arabic yeh matches the listed Persian word
        ("مدیر\u200cفروش", False),  # ZWNJ dropped: one word, not the listed one
        ("مدیرعامل", True),
        ("بنیان‌گذار", True),
        ("بنیانگذار", True),  # with or without the ZWNJ
        ("کارشناس فروش", False),
        ("", False),
        (None, False),
    ],
)
def test_contains_any_matches_whole_words_case_insensitively_and_persian_aware(title, expected):
    words = ["manager", "head", "vp", "founder", "مدیر", "مدیرعامل", "بنیان‌گذار"]
    assert check("contains_any", words, title) is expected


def test_contains_any_short_word_does_not_match_inside_a_longer_one_unless_it_is_a_prefix():
    assert check("contains_any", ["man"], "Sales Manager") is False
    assert check("contains_any", ["manag*"], "Management team") is True
    assert check("contains_any", ["head of"], "Head  of Sales") is True  # phrases; spacing folded


@pytest.mark.parametrize(
    ("globs", "path", "expected"),
    [
        ("/pricing*", "/pricing", True),
        ("/pricing*", "/pricing/enterprise", True),
        ("/pricing*", "/Pricing?plan=pro", True),
        ("/pricing*", "/en/pricing", False),
        (["/blog/*", "/fa/blog/*"], "/fa/blog/first-post", True),
        ("/blog/*", "/blog", False),
        ("/blog/*", "https://example.com/blog/x#top", True),  # a full URL: its path counts
        ("/fa/وبلاگ/*", "/fa/%D9%88%D8%A8%D9%84%D8%A7%DA%AF/x", True),  # percent-encoded Persian
        ("/pricing*", "", False),
    ],
)
def test_path_matches(globs, path, expected):
    event = EventFacts(1, "page_view", JAN_1, path=path)
    assert Condition("path", "path_matches", globs).holds(event) is expected


@pytest.mark.parametrize(
    ("band", "expected"),
    [("1-10", False), ("11-50", True), ("5001+", True), ("", False), ("lots", False)],
)
def test_employee_band_compares_by_band_order(band, expected):
    person = PersonFacts(company=CompanyFacts(employee_band=band))
    assert Condition("company.employee_band", "gte", "11-50").holds(person) is expected


def test_lte_on_bands_and_missing_company():
    assert Condition("company.employee_band", "lte", "51-200").holds(PersonFacts(company=CompanyFacts(employee_band="11-50")))
    assert not Condition("company.employee_band", "lte", "51-200").holds(PersonFacts())


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("sara@acme.ir", True),
        ("sara@Gmail.com", False),
        ("sara@chmail.ir", False),
        ("no-at-sign", False),
        ("sara@localhost", False),
        ("", False),
    ],
)
def test_is_company_email(email, expected):
    assert Condition("email", "is_company_email").holds(PersonFacts(email=email)) is expected


def test_list_valued_facts_hold_for_any_element_and_negations_for_all():
    person = PersonFacts(tags=("vip", "partner"))
    assert Condition("tags", "eq", "VIP").holds(person)
    assert not Condition("tags", "ne", "vip").holds(person)
    assert Condition("tags", "not_in", ["churned"]).holds(person)
    assert Condition("tags", "is_set").holds(person)
    assert not Condition("tags", "is_set").holds(PersonFacts())


def test_fields_reach_company_properties_bant_and_event_properties():
    person = PersonFacts(
        bant={"budget": "yes"},
        company=CompanyFacts(industry="Software", properties={"tier": "gold"}),
    )
    assert Condition("bant.budget", "is_yes").holds(person)
    assert Condition("company.industry", "in", ["software", "saas"]).holds(person)
    assert Condition("company.properties.tier", "eq", "gold").holds(person)
    event = EventFacts("e1", "track", JAN_1, properties={"plan": "pro"})
    assert Condition("properties.plan", "eq", "PRO").holds(event)
    assert not Condition("properties.missing", "is_set").holds(event)


@pytest.mark.parametrize(
    ("op", "value"),
    [
        ("matches", "(unclosed"),
        ("matches", ""),
        ("matches", "a" * 501),
        ("in", []),
        ("in", [None]),
        ("contains_any", ["*"]),
        ("gte", "many"),
        ("gte", ""),
        ("eq", None),
        ("eq", ["a", "b"]),
        ("path_matches", [1]),
    ],
)
def test_unusable_values_are_refused_when_prepared(op, value):
    with pytest.raises(ValueError):
        OPERATORS.get(op).prepare(value)
