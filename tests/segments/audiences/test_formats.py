"""The audience file formats against hand-computed hashes: each test writes the string the
platform's specification expects after normalisation, hashes it here with hashlib, and
compares with what the format produced (sources in formats.py's docstring)."""

from __future__ import annotations

import hashlib

import pytest

from sarnakh.segments.audiences import formats as f


def h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def person(**values) -> f.Person:
    return f.Person(**{"consent": "subscribed", **values})


# ---------------------------------------------------------------- email


@pytest.mark.parametrize(("raw", "expected"), [
    # Google Data Manager "Format user data": lowercase, whitespace removed; gmail.com and
    # googlemail.com lose the dots before @ and a +tag; other domains keep both.
    ("  Cloudy.SanFrancisco+shopping@gmail.com ", "cloudysanfrancisco@gmail.com"),
    ("j.o.h.n@GoogleMail.com", "john@googlemail.com"),
    ("User.Name+NYC@Example.com", "user.name+nyc@example.com"),
    ("leila @example.ir", "leila@example.ir"),
])
def test_given_emails_when_normalised_for_google_then_they_follow_customer_match(raw, expected):
    assert f.email_google(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    # Meta EMAIL: trim and lowercase only; dots and +tags stay, also at gmail.
    ("  Cloudy.SanFrancisco+shopping@gmail.com ", "cloudy.sanfrancisco+shopping@gmail.com"),
    ("User.Name@Example.COM", "user.name@example.com"),
])
def test_given_emails_when_normalised_for_meta_then_only_trimmed_and_lowercased(raw, expected):
    assert f.email_meta(raw) == expected


@pytest.mark.parametrize("raw", ["not-an-email", "a@b", "@example.com", "x@@example.com", "+tag@gmail.com", ""])
def test_given_malformed_emails_when_normalised_then_none(raw):
    assert f.email_google(raw) is None
    if raw != "+tag@gmail.com":  # only Google strips the tag, leaving nothing
        assert f.email_meta(raw) is None


# ---------------------------------------------------------------- phone


@pytest.mark.parametrize(("raw", "expected"), [
    ("+989121234567", "+989121234567"),  # stored E.164 passes through
    ("09121234567", "+989121234567"),  # national, the default region IR
    ("۰۹۱۲ ۱۲۳ ۴۵۶۷", "+989121234567"),  # Persian digits and spaces
    ("00989121234567", "+989121234567"),
    ("(800) 555-0100", None),  # a US national number is not valid in IR
    ("+1 (800) 555-0100", "+18005550100"),  # Google's own example
    ("12", None),
])
def test_given_phones_when_parsed_then_e164_or_none(raw, expected):
    assert f.phone_e164(raw, region="IR") == expected


def test_given_an_e164_phone_then_google_keeps_the_plus_and_meta_gives_digits_only():
    assert f.phone_google("+989121234567") == "+989121234567"
    assert f.phone_meta("+989121234567") == "989121234567"


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Mary-Jane ", "maryjane"),  # lowercase, punctuation and spaces gone
    ("O'Brien", "obrien"),
    ("Zoë", "zoë"),  # letters outside a-z stay, as UTF-8 (Google's template: zoë, pérez)
    ("علی‌رضا", "علیرضا"),  # ZWNJ removed
    ("علی رضا", "علیرضا"),  # the space too: the three spellings hash alike
    ("«سارا»", "سارا"),  # Persian quotation marks are punctuation
    ("ﻋﻠﯽ", "علی"),  # Arabic presentation forms fold to the letters (NFKC)
    ("مـــریم", "مریم"),  # tatweel is not a letter
    ("علي", "علي"),  # Arabic yeh is NOT folded to Persian yeh (no platform rule says so)
])
def test_given_names_when_normalised_then_lowercase_without_spaces_punctuation_or_invisibles(raw, expected):
    assert f.name_normal(raw) == expected


def test_given_country_codes_then_two_letters_lowercase_or_empty():
    assert f.country_code(" IR ") == "ir"
    assert f.country_code("Iran") == ""


# ---------------------------------------------------------------- rows


def test_given_a_person_when_a_google_row_is_built_then_every_identifier_is_hashed_except_country_and_zip():
    # given
    p = person(email="Sara.Ahmadi+ads@Gmail.com", phone="+989121234567", first_name="سارا", last_name="احمدی",
               country="IR", city="تهران")
    # when
    cells, reason = f.audience_row(f.GOOGLE, ["email", "phone", "name", "location"], p, region="IR")
    # then
    assert reason is None
    assert f.header(f.GOOGLE, ["email", "phone", "name", "location"]) == ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"]
    assert cells == [h("saraahmadi@gmail.com"), h("+989121234567"), h("سارا"), h("احمدی"), "IR", ""]


def test_given_a_person_when_a_meta_row_is_built_then_keys_follow_the_meta_schema():
    p = person(email=" Sara.Ahmadi+ads@Gmail.com", phone="09121234567", first_name="Sara", last_name="Ahmadi",
               country="IR", city="Tehran")
    cells, reason = f.audience_row(f.META, ["email", "phone", "name", "location"], p, region="IR")
    assert reason is None
    assert f.header(f.META, ["email", "phone", "name", "location"]) == ["EMAIL", "PHONE", "FN", "LN", "CT", "COUNTRY"]
    assert cells == [h("sara.ahmadi+ads@gmail.com"), h("989121234567"), h("sara"), h("ahmadi"), h("tehran"), h("ir")]


def test_known_digest_of_a_normalised_email():
    # A fixed value, so a change in hashing (encoding, case of the hex) cannot pass unseen.
    assert f.sha256_hex("test@gmail.com") == "87924606b4131a8aceeeae8868531fbb9712aaa07a5d3a756b26ce0f5d6ca674"


def test_given_only_chosen_identifiers_then_other_values_are_not_written():
    p = person(email="a@example.com", phone="+989121234567", first_name="Ali")
    cells, _ = f.audience_row(f.META, ["phone"], p, region="IR")
    assert cells == [h("989121234567")]


@pytest.mark.parametrize(("values", "identifiers", "reason"), [
    ({"consent": "unsubscribed", "email": "a@example.com"}, ["email"], f.UNSUBSCRIBED),
    ({"consent": "not_asked", "email": "a@example.com"}, ["email"], f.NO_CONSENT),
    ({"email": "", "phone": ""}, ["email", "phone"], f.NO_IDENTIFIER),
    ({"email": "a@example.com"}, ["phone"], f.NO_IDENTIFIER),  # has an email, but the audience sends phones
    ({"email": "broken", "phone": ""}, ["email", "phone"], f.INVALID_EMAIL),
    ({"email": "", "phone": "12"}, ["email", "phone"], f.INVALID_PHONE),
])
def test_given_people_who_cannot_go_in_then_the_row_names_why(values, identifiers, reason):
    cells, why = f.audience_row(f.GOOGLE, identifiers, person(**values), region="IR")
    assert cells is None
    assert why == reason


def test_given_legitimate_interest_then_not_asked_goes_in_but_unsubscribed_never():
    assert f.consent_exclusion("not_asked", legitimate_interest=True) is None
    assert f.consent_exclusion("unsubscribed", legitimate_interest=True) == f.UNSUBSCRIBED
    assert f.consent_exclusion("subscribed", legitimate_interest=False) is None


def test_given_an_invalid_email_but_a_valid_phone_then_the_row_goes_in_with_the_email_blank():
    cells, reason = f.audience_row(f.GOOGLE, ["email", "phone"], person(email="broken", phone="+989121234567"), region="IR")
    assert reason is None
    assert cells == ["", h("+989121234567")]
