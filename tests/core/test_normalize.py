import pytest

from sarnakh.core.normalize import (
    InvalidEmail,
    InvalidPhone,
    clean_display_text,
    email_domain,
    is_free_mail_domain,
    normalize_digits,
    normalize_domain,
    normalize_email,
    normalize_phone,
    normalize_text,
)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("علي", "علی"),  # Arabic yeh
        ("كريم", "کریم"),  # Arabic kaf
        ("فاطمة", "فاطمه"),  # teh marbuta
        ("أحمد", "احمد"),
        ("إيران", "ایران"),
        ("نیک‌نام", "نیکنام"),  # zero-width non-joiner
        ("مـــحمد", "محمد"),  # tatweel
        ("  Ali   REZAEI ", "ali rezaei"),
        ("۰۹۱۲", "0912"),
        ("٠٩١٢", "0912"),
    ],
)
def test_given_letter_and_digit_variants_when_normalising_text_then_they_fold_to_one_form(typed, folded):
    assert normalize_text(typed) == folded


def test_given_empty_or_none_when_normalising_text_then_empty():
    assert normalize_text(None) == "" and normalize_text("") == ""


def test_given_persian_and_arabic_digits_when_normalising_digits_then_ascii():
    assert normalize_digits("۱۴۰۳/٠٢") == "1403/02"


def test_given_display_text_then_letters_are_kept_as_typed_but_spacing_is_tidied():
    assert clean_display_text("  علي   رضايي\ufeff ") == "علي رضايي"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Ali.Rezaei@Example.COM", "ali.rezaei@example.com"),
        ("  a@b.io ", "a@b.io"),
        ("info@ایران.ir", "info@xn--mgba3a4f16a.ir"),
        ("", ""),
        (None, ""),
    ],
)
def test_given_email_when_normalising_then_trimmed_lower_case_idna(typed, stored):
    assert normalize_email(typed) == stored


@pytest.mark.parametrize("typed", ["not-an-email", "a@", "@example.com", "a b@example.com"])
def test_given_malformed_email_when_normalising_then_it_raises(typed):
    with pytest.raises(InvalidEmail):
        normalize_email(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"),
        ("09123456789", "+989123456789"),
        ("+98 912 345 6789", "+989123456789"),
        ("00989123456789", "+989123456789"),
        ("0935-123-4567", "+989351234567"),
        ("+49 151 12345678", "+4915112345678"),
        ("", ""),
    ],
)
def test_given_phone_when_normalising_with_region_ir_then_e164(typed, stored):
    assert normalize_phone(typed, region="IR") == stored


@pytest.mark.parametrize("typed", ["12", "abc", "0912"])
def test_given_invalid_phone_when_normalising_then_it_raises(typed):
    with pytest.raises(InvalidPhone):
        normalize_phone(typed, region="IR")


def test_given_domains_then_normalised_and_free_mail_recognised():
    assert normalize_domain("https://www.Example.com/path") == "example.com"
    assert email_domain("a@example.com") == "example.com"
    assert is_free_mail_domain("Gmail.com") and not is_free_mail_domain("example.com")
