"""Custom audience files for Google Customer Match and Meta Custom Audiences: each
identifier normalised as the platform specifies, then SHA-256 hashed (lowercase hex).
Pure: no ORM, no settings; the export service feeds it plain values.

Sources (read December 2026):

- Google Ads Help, "Formatting guidelines for uploading hashed data" (answer 7476159) and
  "Format your customer data file" (7659867): a UTF-8 CSV whose English headers are
  `Email`, `Phone`, `First Name`, `Last Name`, `Country`, `Zip`; address matching needs all
  four of First Name, Last Name, Country and Zip; Country and Zip are not hashed.
- Google Data Manager API, "Format user data" (developers.google.com/data-manager/api/
  devguides/concepts/formatting), which Customer Match uploads now follow:
  email: lowercase, no whitespace anywhere; for gmail.com and googlemail.com remove every
  `.` before the `@` and the `+` with everything after it in the local part (other
  domains keep both: `user.name+NYC@Example.com` -> `user.name+nyc@example.com`);
  phone: E.164, with `+` and the country code; given and family names: lowercase, no
  leading or trailing whitespace (the file guideline: no spaces in between either), no
  punctuation (UserData reference), no prefixes or suffixes; region code: ISO 3166-1
  alpha-2. SHA-256, hex.
- Meta Marketing API, "Customer File Custom Audiences", hashing and normalising: keys
  `EMAIL` (trim, lowercase), `PHONE` (digits only: remove symbols, letters and leading
  zeros, with the country code: `+989121234567` -> `989121234567`), `FN` / `LN` (lowercase,
  no punctuation; letters outside a-z as UTF-8), `CT` (lowercase, no punctuation, no
  special characters, no whitespace), `COUNTRY` (lowercase ISO 3166-1 alpha-2). Every key
  is SHA-256 hashed, unsalted, hex.

Names and cities in Persian (a decision; neither platform says more than "UTF-8"):
the text is first put in Unicode NFKC, so Arabic presentation forms (`ﻋﻠﯽ` copied from
an old PDF) and full-width Latin become the letters people type; then lowercased (a no-op
for Persian); then every whitespace, punctuation (`.`, `-`, `'`, `«»`, `،`) and invisible
format character (ZWNJ U+200C, ZWJ, bidi marks, tatweel U+0640) is removed, so
`علی‌رضا`, `علی رضا` and `علیرضا` hash alike, as the platforms' "no spaces in between"
asks for Latin names. Letters and combining marks are kept as written: Arabic `ي`/`ك`
are NOT folded to Persian `ی`/`ک` (the platforms hash the name as the person typed it on
their profile, and publish no folding rule); the bytes hashed are UTF-8.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers

GOOGLE = "google"
META = "meta"
PLATFORMS = (GOOGLE, META)

EMAIL = "email"
PHONE = "phone"
NAME = "name"
LOCATION = "location"
IDENTIFIERS = (EMAIL, PHONE, NAME, LOCATION)
# A row needs one of these to be matched at all: names and places only narrow a match.
MATCH_KEYS = (EMAIL, PHONE)

# Why a member is left out of the file (one reason each, checked in this order).
GONE = "gone"  # no longer a contact (deleted or merged away since it joined)
UNSUBSCRIBED = "unsubscribed"
NO_CONSENT = "no_consent"
NO_IDENTIFIER = "no_email_or_phone"
INVALID_EMAIL = "invalid_email"
INVALID_PHONE = "invalid_phone"
REASONS = (GONE, UNSUBSCRIBED, NO_CONSENT, NO_IDENTIFIER, INVALID_EMAIL, INVALID_PHONE)

# Contact.consent values (contacts.choices.Consent).
CONSENT_SUBSCRIBED = "subscribed"
CONSENT_UNSUBSCRIBED = "unsubscribed"

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# One @, something on each side, a dot in the domain, no whitespace: what contacts store
# after their own validation; anything else is an email the platforms cannot match.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
# E.164: a plus, a country code not starting with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_COUNTRY = re.compile(r"[a-z]{2}")


def sha256_hex(text: str) -> str:
    """SHA-256 of the UTF-8 bytes, lowercase hex (both platforms accept hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- email


def email_basic(raw: str | None) -> str | None:
    """Trimmed and lowercased (Meta's EMAIL rule, and Google's first step); whitespace
    inside is removed (Google: "trim leading, trailing and intermediate whitespace").
    None when it is not shaped like an address."""
    text = "".join(unicodedata.normalize("NFC", raw or "").split()).lower()
    if not text or not _EMAIL_SHAPE.fullmatch(text):
        return None
    return text


def email_google(raw: str | None) -> str | None:
    """Google: email_basic, and for gmail.com / googlemail.com the dots before the @ and a
    `+tag` removed (`Cloudy.SanFrancisco+shopping@gmail.com` -> `cloudysanfrancisco@gmail.com`)."""
    text = email_basic(raw)
    if text is None:
        return None
    local, domain = text.rsplit("@", 1)
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        if not local:
            return None
    return f"{local}@{domain}"


def email_meta(raw: str | None) -> str | None:
    """Meta: trimmed and lowercased, nothing else (dots and `+tags` stay)."""
    return email_basic(raw)


# ---------------------------------------------------------------- phone


def _ascii_digits(text: str) -> str:
    """Persian and Arabic-Indic digits as ASCII (`۰۹۱۲` -> `0912`)."""
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and not ch.isascii() else ch for ch in text)


def phone_e164(raw: str | None, *, region: str) -> str | None:
    """E.164 (`+989121234567`), or None when it is not a valid number. Contacts store E.164
    already (core.normalize.normalize_phone with SARNAKH_DEFAULT_REGION); anything else
    (an older import) is parsed with `region` for national numbers, as contacts do."""
    if raw and _E164.fullmatch(raw):  # the stored form: no parsing needed
        return raw
    text = _ascii_digits(unicodedata.normalize("NFKC", raw or "")).strip()
    if not text:
        return None
    if _E164.fullmatch(text):
        return text
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_google(e164: str) -> str:
    """Google: E.164 with the `+` (`+989121234567`)."""
    return e164


def phone_meta(e164: str) -> str:
    """Meta: digits only, country code first, no `+`, no leading zeros (`989121234567`)."""
    return e164.lstrip("+").lstrip("0")


# ---------------------------------------------------------------- names, city, country

_DROPPED_CATEGORIES = ("P", "Z", "C", "S")  # punctuation, separators, controls/format, symbols


@functools.lru_cache(maxsize=65536)
def name_normal(raw: str | None) -> str:
    """First name, last name or city, as both platforms hash it: NFKC, lowercase, without
    whitespace, punctuation, symbols and invisible characters (ZWNJ, bidi marks, tatweel).
    See the module docstring for the Persian decisions. Cached: names repeat across a list."""
    text = unicodedata.normalize("NFKC", raw or "").lower()
    kept = []
    for ch in text:
        if ch == "\u0640":  # tatweel: a stretched joining line, not a letter
            continue
        if unicodedata.category(ch).startswith(_DROPPED_CATEGORIES):
            continue
        kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept))


def country_code(raw: str | None) -> str:
    """ISO 3166-1 alpha-2 in lowercase (`IR` -> `ir`), or "" when it is not two letters."""
    text = (raw or "").strip().lower()
    return text if _COUNTRY.fullmatch(text) else ""


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Person:
    """What an audience row is made from (contacts' stored values)."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    country: str = ""
    city: str = ""
    consent: str = ""


def consent_exclusion(consent: str, *, legitimate_interest: bool) -> str | None:
    """Why consent keeps this person out, or None. `subscribed` always goes in;
    `unsubscribed` never; `not_asked` only when the site relies on legitimate interest."""
    if consent == CONSENT_SUBSCRIBED:
        return None
    if consent == CONSENT_UNSUBSCRIBED:
        return UNSUBSCRIBED
    return None if legitimate_interest and consent == "not_asked" else NO_CONSENT


def header(platform: str, identifiers: tuple[str, ...] | list[str]) -> list[str]:
    """The CSV header for these identifiers, in the platform's names and order."""
    chosen = set(identifiers)
    if platform == GOOGLE:
        columns = [("Email", EMAIL), ("Phone", PHONE), ("First Name", NAME), ("Last Name", NAME),
                   ("Country", LOCATION), ("Zip", LOCATION)]
    elif platform == META:
        columns = [("EMAIL", EMAIL), ("PHONE", PHONE), ("FN", NAME), ("LN", NAME), ("CT", LOCATION), ("COUNTRY", LOCATION)]
    else:
        raise ValueError(f"unknown platform {platform!r}")
    return [name for name, key in columns if key in chosen]


def _hashed(text: str) -> str:
    return sha256_hex(text) if text else ""


def audience_row(platform: str, identifiers: tuple[str, ...] | list[str], person: Person, *, region: str,
                 legitimate_interest: bool = False) -> tuple[list[str] | None, str | None]:
    """(cells, None) for a row of the file, or (None, reason) when the person is left out.

    A person goes in when consent allows it and at least one chosen match key (email,
    phone) is valid; an invalid or missing other key is left blank in their row. When none
    is usable the reason is: no email and no phone (among the chosen keys), else an invalid
    email (when one was there), else an invalid phone.
    """
    reason = consent_exclusion(person.consent, legitimate_interest=legitimate_interest)
    if reason:
        return None, reason
    chosen = set(identifiers)
    email = phone = None
    had_email = EMAIL in chosen and bool((person.email or "").strip())
    had_phone = PHONE in chosen and bool((person.phone or "").strip())
    if had_email:
        email = email_google(person.email) if platform == GOOGLE else email_meta(person.email)
    if had_phone:
        e164 = phone_e164(person.phone, region=region)
        phone = None if e164 is None else (phone_google(e164) if platform == GOOGLE else phone_meta(e164))
    if not email and not phone:
        if not had_email and not had_phone:
            return None, NO_IDENTIFIER
        return None, INVALID_EMAIL if had_email else INVALID_PHONE
    cells: list[str] = []
    if EMAIL in chosen:
        cells.append(_hashed(email or ""))
    if PHONE in chosen:
        cells.append(_hashed(phone or ""))
    if NAME in chosen:
        cells += [_hashed(name_normal(person.first_name)), _hashed(name_normal(person.last_name))]
    if LOCATION in chosen:
        country = country_code(person.country)
        if platform == GOOGLE:
            # Not hashed; Sarnakh keeps no postal code, so Zip stays empty.
            cells += [country.upper(), ""]
        else:
            cells += [_hashed(name_normal(person.city)), _hashed(country)]
    return cells, None
