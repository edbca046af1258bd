"""Column mapping for imports: which CSV column fills which contact field. Pure: no ORM.

A mapping is a dict {header: target}. A target is a contact field (`email`, `first_name`,
`stage`, …), `properties.<key>` for a custom property, or "" to ignore the column.
`suggest_mapping` guesses it from the header names (English, Persian, and the usual
headers of HubSpot, Mautic and Salesforce exports); people override it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.core.csv_export import FORMULA_STARTS
from sarnakh.core.normalize import normalize_digits, normalize_text

IGNORE = ""
PROPERTY_PREFIX = "properties."
PROPERTY_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")

# target -> label shown in the mapping step
TARGETS: dict[str, Any] = {
    "email": gettext_lazy("Email"),
    "phone": gettext_lazy("Phone"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "full_name": gettext_lazy("Full name (split into first and last)"),
    "company": gettext_lazy("Company name"),
    "job_title": gettext_lazy("Job title"),
    "country": gettext_lazy("Country"),
    "city": gettext_lazy("City"),
    "language": gettext_lazy("Language"),
    "time_zone": gettext_lazy("Time zone"),
    "stage": gettext_lazy("Lifecycle stage"),
    "lead_status": gettext_lazy("Lead status"),
    "source_type": gettext_lazy("Source type (inbound/outbound)"),
    "channel": gettext_lazy("Channel"),
    "tags": gettext_lazy("Tags (separated by ; or ,)"),
    "utm_source": gettext_lazy("UTM source"),
    "utm_medium": gettext_lazy("UTM medium"),
    "utm_campaign": gettext_lazy("UTM campaign"),
    "utm_term": gettext_lazy("UTM term"),
    "utm_content": gettext_lazy("UTM content"),
    "referrer": gettext_lazy("Referrer"),
    "landing_page": gettext_lazy("Landing page"),
    "created_at": gettext_lazy("Created date (kept for new contacts)"),
}

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "email": ("email", "email address", "e mail", "e mail address", "emailaddress", "work email", "business email",
              "ایمیل", "آدرس ایمیل", "پست الکترونیک", "پست الکترونیکی", "رایانامه"),
    "phone": ("phone", "phone number", "mobile phone number", "mobile phone", "mobile", "mobile number", "cell",
              "cell phone", "telephone", "tel", "phonenumber", "تلفن", "موبایل", "شماره تلفن", "شماره موبایل",
              "تلفن همراه", "شماره همراه", "همراه"),
    "first_name": ("first name", "firstname", "given name", "fname", "forename", "نام", "نام کوچک"),
    "last_name": ("last name", "lastname", "surname", "family name", "lname", "نام خانوادگی", "فامیلی", "نام خانوادگي"),
    "full_name": ("name", "full name", "fullname", "contact name", "نام و نام خانوادگی", "نام کامل"),
    "company": ("company", "company name", "organization", "organisation", "account name", "account", "business name",
                "شرکت", "نام شرکت", "سازمان", "نام سازمان"),
    "job_title": ("job title", "title", "position", "role", "jobtitle", "سمت", "عنوان شغلی", "شغل", "جایگاه"),
    "country": ("country", "country region", "country/region", "کشور"),
    "city": ("city", "town", "شهر"),
    "language": ("language", "preferred language", "locale", "زبان"),
    "time_zone": ("time zone", "timezone", "منطقه زمانی"),
    "stage": ("lifecycle stage", "lifecyclestage", "stage", "lifecycle", "مرحله", "مرحله چرخه عمر"),
    "lead_status": ("lead status", "hs lead status", "status", "وضعیت", "وضعیت سرنخ"),
    "source_type": ("source type", "نوع منبع"),
    "channel": ("channel", "original source", "lead source", "source", "کانال", "منبع"),
    "tags": ("tags", "tag", "labels", "برچسب", "برچسب ها", "برچسبها"),
    "utm_source": ("utm source",),
    "utm_medium": ("utm medium",),
    "utm_campaign": ("utm campaign", "campaign"),
    "utm_term": ("utm term",),
    "utm_content": ("utm content",),
    "referrer": ("referrer", "referer", "referring url"),
    "landing_page": ("landing page", "first page seen", "landing page url"),
    "created_at": ("create date", "created date", "created", "created at", "date created", "date added", "date_added",
                   "createdate", "تاریخ ایجاد", "تاریخ ثبت"),
}


def header_key(header: str) -> str:
    """Header folded for comparison: Persian letter variants, case, `_`/`-`/`.` as spaces."""
    text = normalize_text(header)
    text = re.sub(r"[_\-.:]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


_BY_HEADER = {header_key(alias): target for target, aliases in _HEADER_ALIASES.items() for alias in aliases}


def property_key_for(header: str) -> str:
    """A custom property key made from a header (`Annual Budget` -> `annual_budget`); "" if none."""
    ascii_text = unicodedata.normalize("NFKD", normalize_digits(header)).encode("ascii", "ignore").decode()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if key and not key[0].isalpha():
        key = "p_" + key
    return key[:64] if PROPERTY_KEY.match(key[:64] or "-") else ""


def suggest_mapping(headers: list[str], *, property_keys: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """A target per header: known names map to fields (the first column claiming a field
    wins), columns named like an existing custom property map to it, the rest are ignored."""
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = _BY_HEADER.get(header_key(header), IGNORE)
        if target and (target in taken or (target == "full_name" and {"first_name", "last_name"} & taken)):
            target = IGNORE
        if not target:
            key = property_key_for(header)
            if key and key in property_keys:
                target = PROPERTY_PREFIX + key
        if target:
            taken.add(target)
        mapping[header] = target
    return mapping


def validate_mapping(mapping: Any, headers: list[str]) -> dict[str, list[str]]:
    """Errors for a mapping given by a person or a file; {} when it is usable."""
    errors: dict[str, list[str]] = {}
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str | None) for k, v in mapping.items()):
        return {"mapping": [_("Give the mapping as an object of column name to field.")]}
    used: dict[str, str] = {}
    for header, target in mapping.items():
        target = target or IGNORE
        if header not in headers:
            errors.setdefault("mapping", []).append(_("The file has no column “%(column)s”.") % {"column": header[:100]})
            continue
        if target == IGNORE:
            continue
        if target.startswith(PROPERTY_PREFIX):
            if not PROPERTY_KEY.match(target[len(PROPERTY_PREFIX):]):
                errors.setdefault("mapping", []).append(
                    _("“%(target)s”: property keys use lower-case letters, digits and underscores.") % {"target": target[:100]}
                )
                continue
        elif target not in TARGETS:
            errors.setdefault("mapping", []).append(_("“%(target)s” is not a field you can import into.") % {"target": target[:100]})
            continue
        if target in used:
            errors.setdefault("mapping", []).append(
                _("Columns “%(a)s” and “%(b)s” both fill %(target)s.") % {"a": used[target], "b": header, "target": target}
            )
        used[target] = header
    if {"full_name"} & set(used) and {"first_name", "last_name"} & set(used):
        errors.setdefault("mapping", []).append(_("Map either a full name column or first/last name columns, not both."))
    return errors


# Values of HubSpot, Salesforce and Persian exports -> our keys. Keys are folded with _value_key.
STAGE_VALUES = {
    "subscriber": "subscriber", "lead": "lead", "marketing qualified lead": "mql", "marketingqualifiedlead": "mql",
    "mql": "mql", "sales qualified lead": "sql", "salesqualifiedlead": "sql", "sql": "sql",
    "opportunity": "opportunity", "customer": "customer", "evangelist": "customer", "other": "",
    "recycled": "recycled", "disqualified": "disqualified", "cold": "cold",
    "مشترک": "subscriber", "سرنخ": "lead", "سرنخ واجد شرایط بازاریابی": "mql", "سرنخ واجد شرایط فروش": "sql",
    "فرصت": "opportunity", "فرصت فروش": "opportunity", "مشتری": "customer", "سرد": "cold",
}
LEAD_STATUS_VALUES = {
    "new": "new", "open": "new", "open not contacted": "new", "attempted to contact": "attempted",
    "attempted": "attempted", "working contacted": "attempted", "connected": "connected",
    "in progress": "in_progress", "open deal": "in_progress", "working": "in_progress",
    "unqualified": "unqualified", "closed not converted": "unqualified", "bad timing": "bad_timing",
    "closed converted": "", "جدید": "new", "در حال پیگیری": "in_progress", "تماس گرفته شد": "connected",
}
CHANNEL_VALUES = {
    "organic search": "organic_search", "paid search": "paid_search", "social": "social", "social media": "social",
    "organic social": "social", "paid social": "social", "email": "email", "email marketing": "email",
    "referral": "referral", "referrals": "referral", "partner referral": "referral", "employee referral": "referral",
    "direct": "direct", "direct traffic": "direct", "web": "web_form", "web form": "web_form", "website": "web_form",
    "event": "event", "trade show": "event", "seminar": "event", "cold email": "cold_email", "cold call": "cold_call",
    "phone inquiry": "cold_call", "purchased list": "list_import", "list import": "list_import", "offline sources": "other",
    "other campaigns": "other", "other": "other", "api": "api",
}
SOURCE_TYPE_VALUES = {"inbound": "inbound", "outbound": "outbound", "ورودی": "inbound", "خروجی": "outbound"}
COUNTRY_VALUES = {
    "iran": "IR", "ایران": "IR", "germany": "DE", "deutschland": "DE", "آلمان": "DE", "united states": "US",
    "usa": "US", "united states of america": "US", "آمریکا": "US", "united kingdom": "GB", "uk": "GB",
    "england": "GB", "انگلستان": "GB", "france": "FR", "فرانسه": "FR", "turkey": "TR", "türkiye": "TR", "ترکیه": "TR",
    "united arab emirates": "AE", "uae": "AE", "امارات": "AE", "canada": "CA", "کانادا": "CA", "netherlands": "NL",
    "هلند": "NL", "italy": "IT", "spain": "ES", "india": "IN", "china": "CN", "iraq": "IQ", "عراق": "IQ",
    "afghanistan": "AF", "افغانستان": "AF", "russia": "RU", "روسیه": "RU", "australia": "AU", "sweden": "SE",
    "austria": "AT", "switzerland": "CH", "oman": "OM", "عمان": "OM", "qatar": "QA", "قطر": "QA",
}
_VALUE_MAPS = {"stage": STAGE_VALUES, "lead_status": LEAD_STATUS_VALUES, "channel": CHANNEL_VALUES, "source_type": SOURCE_TYPE_VALUES}


def _value_key(value: str) -> str:
    return re.sub(r"[\s_\-–]+", " ", normalize_text(value)).strip()


def map_choice_value(target: str, value: str) -> str:
    """A stage/status/channel label as our key. Unknown labels come back folded to a key
    (`In Progress` -> `in_progress`) so validation names them; "" means "no value"."""
    key = _value_key(value)
    known = _VALUE_MAPS[target]
    if key in known:
        return known[key]
    return key.replace(" ", "_")


def map_country(value: str) -> str:
    text = value.strip()
    if len(text) == 2:
        return text
    return COUNTRY_VALUES.get(_value_key(text), text)


def split_tags(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;,،]", value) if t.strip()]


def parse_created_at(value: str, tz: dt.tzinfo) -> dt.datetime:
    """One date on its own (no column to judge the order by): see capture.imports.dates.
    Raises ValueError."""
    from sarnakh.capture.imports.dates import detect_order, parse_import_date

    return parse_import_date(value, tz, order=detect_order([value]).order)


@dataclass
class MappedRow:
    """One CSV row as contact input: `data` for clean_contact_input, plus the bits the
    import handles itself. `columns` tells which header each field came from."""

    data: dict[str, Any]
    columns: dict[str, str]
    raw: dict[str, str]
    created_at: str = ""


def map_row(headers: list[str], mapping: dict[str, str], cells: list[str]) -> MappedRow:
    """Turns cells into contact input. Empty cells are left out: an import fills values,
    it never erases them."""
    data: dict[str, Any] = {}
    columns: dict[str, str] = {}
    raw: dict[str, str] = {}
    created_at = ""
    properties: dict[str, str] = {}
    for index, header in enumerate(headers):
        target = mapping.get(header) or IGNORE
        if not target:
            continue
        value = cells[index].strip() if index < len(cells) else ""
        if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS:
            # A cell a CSV export neutralised (core.csv_export): the quote is not part of the value.
            value = value[1:]
        if not value:
            continue
        raw[target] = value
        columns[target] = header
        if target.startswith(PROPERTY_PREFIX):
            key = target[len(PROPERTY_PREFIX):]
            properties[key] = value
            columns[target] = header
        elif target == "full_name":
            first, _sep, last = value.partition(" ")
            data["first_name"], columns["first_name"], raw["first_name"] = first, header, value
            if last.strip():
                data["last_name"], columns["last_name"], raw["last_name"] = last.strip(), header, value
        elif target in _VALUE_MAPS:
            mapped = map_choice_value(target, value)
            if mapped:
                data[target] = mapped
        elif target == "country":
            data["country"] = map_country(value)
        elif target == "tags":
            data["tags"] = split_tags(value)
        elif target == "created_at":
            created_at = value
        else:
            data[target] = value
    if properties:
        data["properties"] = properties
    return MappedRow(data=data, columns=columns, raw=raw, created_at=created_at)
