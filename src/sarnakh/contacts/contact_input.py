"""Turns raw contact input (API, UI, forms, imports) into clean values or field errors.

Reads reference data (stages, users, property definitions) but writes nothing.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import Consent, LeadStatus, ObjectType
from sarnakh.contacts.models import LifecycleStage, PropertyDefinition, Tag
from sarnakh.contacts.properties import PropertySpec, clean_property_values
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.normalize import (
    InvalidEmail,
    InvalidPhone,
    clean_display_text,
    normalize_email,
    normalize_phone,
)
from sarnakh.core.ui.formatting import format_number

TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "job_title": 150,
    "city": 100,
    "utm_source": 200,
    "utm_medium": 200,
    "utm_campaign": 200,
    "utm_term": 200,
    "utm_content": 200,
    "referrer": 2000,
    "landing_page": 2000,
    "consent_method": 200,
}
CHOICE_FIELDS = {
    "lead_status": LeadStatus,
    "source_type": SourceType,
    "channel": Channel,
    "consent": Consent,
}
FIRST_TOUCH_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "landing_page")
WRITABLE_FIELDS = frozenset(
    [*TEXT_LIMITS, *CHOICE_FIELDS, "email", "phone", "company", "country", "language", "time_zone", "stage", "owner", "tags", "properties"]
)
MAX_TAGS = 50
TAG_MAX_LENGTH = Tag._meta.get_field("name").max_length


@dataclass
class CleanContact:
    values: dict[str, Any] = field(default_factory=dict)
    company: Any = None  # int id, str name, or None when "company" was given as null
    has_company: bool = False
    tags: list[str] | None = None
    properties: dict[str, Any] | None = None
    stage: LifecycleStage | None = None


@functools.cache
def time_zone_names() -> frozenset[str]:
    # Listing the zones reads the tz database from disk; once per process is enough.
    return frozenset(zoneinfo.available_timezones())


def is_country_code(value: str) -> bool:
    return len(value) == 2 and value.isascii() and value.isalpha()


def property_specs(object_type: str) -> dict[str, PropertySpec]:
    return {
        d.key: PropertySpec(key=d.key, label=d.label, type=d.type, choices=tuple(d.choices or ()))
        for d in PropertyDefinition.objects.filter(object_type=object_type)
    }


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ValueError(_("Enter text."))
    text = clean_display_text(str(value))
    if len(text) > limit:
        raise ValueError(_("Keep this under %(max)s characters.") % {"max": format_number(limit)})
    return text


def clean_contact_input(data: dict[str, Any]) -> tuple[CleanContact, dict[str, list[str]]]:
    out = CleanContact()
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not isinstance(data, dict):
        return out, {"__all__": [_("Send a JSON object.")]}
    for name in data:
        if name not in WRITABLE_FIELDS:
            fail(name, _("Unknown field."))

    for name, limit in TEXT_LIMITS.items():
        if name in data:
            try:
                out.values[name] = _text(data[name], limit)
            except ValueError as exc:
                fail(name, str(exc))

    for name, choices in CHOICE_FIELDS.items():
        if name in data:
            value = data[name]
            if isinstance(value, str) and value.replace("-", "_") in choices.values:
                out.values[name] = value.replace("-", "_")
            else:
                fail(name, _("Use one of: %(values)s.") % {"values": ", ".join(choices.values)})

    if "email" in data:
        try:
            if data["email"] is not None and not isinstance(data["email"], str):
                raise InvalidEmail(_("Enter text."))
            out.values["email"] = normalize_email(data["email"])
        except InvalidEmail as exc:
            fail("email", _("Enter a valid email address (%(detail)s).") % {"detail": exc})

    if "phone" in data:
        try:
            if data["phone"] is not None and not isinstance(data["phone"], str | int):
                raise InvalidPhone(_("Enter text."))
            out.values["phone"] = normalize_phone(
                None if data["phone"] is None else str(data["phone"]), region=settings.SARNAKH_DEFAULT_REGION
            )
        except InvalidPhone:
            fail("phone", _("Enter a valid phone number, with country code if it is not in %(region)s.") % {"region": settings.SARNAKH_DEFAULT_REGION})

    if "country" in data:
        value = data["country"] or ""
        if isinstance(value, str) and (value.strip() == "" or is_country_code(value.strip())):
            out.values["country"] = value.strip().upper()
        else:
            fail("country", _("Use a two-letter ISO country code such as IR or DE."))

    if "language" in data:
        value = data["language"] or ""
        if isinstance(value, str) and len(value) <= 10 and value.isascii() and all(c.isalnum() or c == "-" for c in value):
            out.values["language"] = value.strip().lower()
        else:
            fail("language", _("Use a language code such as fa or en."))

    if "time_zone" in data:
        value = data["time_zone"] or ""
        if value and (not isinstance(value, str) or value not in time_zone_names()):
            fail("time_zone", _("Use a time zone name such as Asia/Tehran."))
        else:
            out.values["time_zone"] = value

    if "stage" in data:
        stage = LifecycleStage.objects.filter(key=data["stage"]).first() if isinstance(data["stage"], str) else None
        if stage is None:
            keys = ", ".join(LifecycleStage.objects.values_list("key", flat=True))
            fail("stage", _("Unknown stage. Use one of: %(keys)s.") % {"keys": keys})
        out.stage = stage

    if "owner" in data:
        value = data["owner"]
        if value is None or value == "":
            out.values["owner_id"] = None
        elif isinstance(value, int) and not isinstance(value, bool) and get_user_model().objects.filter(pk=value, is_active=True).exists():
            out.values["owner_id"] = value
        else:
            fail("owner", _("Unknown user."))

    if "company" in data:
        value = data["company"]
        out.has_company = True
        if value is None or value == "":
            out.company = None
        elif isinstance(value, int) and not isinstance(value, bool):
            out.company = value
        elif isinstance(value, str):
            try:
                out.company = _text(value, 200)
            except ValueError as exc:
                fail("company", str(exc))
        else:
            fail("company", _("Give the company's id or name."))

    if "tags" in data:
        value = data["tags"]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            fail("tags", _("Send a list of tag names."))
        else:
            tags = []
            for tag in value:
                text = clean_display_text(tag)
                if text and text not in tags:
                    tags.append(text)
            if any(len(tag) > TAG_MAX_LENGTH for tag in tags):
                fail("tags", _("Keep each tag under %(max)s characters.") % {"max": format_number(TAG_MAX_LENGTH)})
            if len(tags) > MAX_TAGS:
                fail("tags", _("At most %(max)s tags.") % {"max": format_number(MAX_TAGS)})
            out.tags = tags

    if "properties" in data:
        cleaned, property_errors = clean_property_values(data["properties"], property_specs(ObjectType.CONTACT))
        errors.update(property_errors)
        out.properties = cleaned

    return out, errors
