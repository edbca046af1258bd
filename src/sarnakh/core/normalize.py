"""Normalisation of text, email and phone used for matching and search (Persian-aware).

Pure functions, no ORM: identity matching and search both depend on these giving the
same answer everywhere.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.utils.translation import gettext, gettext_noop
from email_validator import EmailNotValidError, validate_email

_LETTER_VARIANTS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh -> Persian yeh
        "ى": "ی",  # alef maksura
        "ك": "ک",  # Arabic kaf -> Persian keheh
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
    }
)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# ZWNJ, ZWJ, tatweel, bidi marks, BOM, and Arabic diacritics carry no meaning for matching.
_INVISIBLE = re.compile("[\u200c\u200d\u200e\u200f\u0640\ufeff\u064b-\u065f\u0670]")
_SPACES = re.compile(r"\s+")


def normalize_digits(value: str) -> str:
    return value.translate(_DIGITS)


def normalize_text(value: str | None) -> str:
    """Fold Persian/Arabic letter variants, digits, invisible marks, case and spacing."""
    if not value:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _INVISIBLE.sub("", text).translate(_LETTER_VARIANTS).translate(_DIGITS)
    return _SPACES.sub(" ", text).strip().casefold()


def clean_display_text(value: str | None) -> str:
    """Tidy a value shown to people: NFC, trimmed, single spaces; letters kept as typed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\ufeff", "")
    return _SPACES.sub(" ", text).strip()


class InvalidEmail(ValueError):
    pass


# email-validator explains in English; people read one of these instead, in their language.
EMAIL_PROBLEMS = [
    ("must have an @-sign", gettext_noop("it has no @")),
    ("before the @-sign", gettext_noop("something is wrong before the @")),
    ("too long", gettext_noop("it is too long")),
    ("after the @-sign", gettext_noop("the part after the @ is not a domain")),
    ("domain", gettext_noop("the part after the @ is not a domain")),
    ("period", gettext_noop("the part after the @ is not a domain")),
]
EMAIL_PROBLEM_OTHER = gettext_noop("it is not an email address")


def email_problem(detail: str) -> str:
    """email-validator's English message as one of Sarnakh's own (translatable) phrases."""
    for fragment, phrase in EMAIL_PROBLEMS:
        if fragment in detail:
            return phrase
    return EMAIL_PROBLEM_OTHER


class InvalidPhone(ValueError):
    pass


def normalize_email(value: str | None) -> str:
    """Trimmed, lower-cased, IDNA (ASCII) domain. Empty stays empty; bad input raises."""
    if value is None:
        return ""
    raw = normalize_digits(unicodedata.normalize("NFKC", str(value))).strip()
    if not raw:
        return ""
    try:
        result = validate_email(raw, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise InvalidEmail(gettext(email_problem(str(exc)))) from exc
    local = result.local_part.lower()
    domain = (result.ascii_domain or result.domain).lower()
    return f"{local}@{domain}"


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[-1] if "@" in email else ""


def normalize_phone(value: str | None, *, region: str) -> str:
    """E.164 (`+989123456789`) using the default region for national numbers."""
    if value is None:
        return ""
    raw = normalize_digits(unicodedata.normalize("NFKC", str(value))).strip()
    if not raw:
        return ""
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(str(exc)) from exc
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_domain(value: str | None) -> str:
    """`https://www.Example.com/x` -> `example.com` (IDNA)."""
    if not value:
        return ""
    text = str(value).strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/", 1)[0].split(":", 1)[0]
    if text.startswith("www."):
        text = text[4:]
    try:
        return text.encode("idna").decode("ascii") if text else ""
    except UnicodeError:
        return text


# Domains of free mailbox providers: an address there says nothing about an employer.
FREE_MAIL_DOMAINS = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk ymail.com hotmail.com hotmail.co.uk
    outlook.com live.com msn.com icloud.com me.com mac.com aol.com gmx.com gmx.de gmx.net
    mail.com proton.me protonmail.com pm.me zoho.com yandex.com yandex.ru mail.ru
    inbox.ru list.ru bk.ru tutanota.com fastmail.com hey.com qq.com 163.com 126.com
    chmail.ir mailfa.com yahoo.fr web.de t-online.de libero.it orange.fr
    """.split()
)


def is_free_mail_domain(domain: str) -> bool:
    return domain.lower() in FREE_MAIL_DOMAINS
