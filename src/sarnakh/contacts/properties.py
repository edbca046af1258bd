"""Validation of custom property values against their definitions. Pure: no ORM.

Every write path (API, UI, forms, imports) calls `clean_property_values`, so a value is
judged the same way wherever it comes from.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import jdatetime
from django.utils.translation import gettext as _

from sarnakh.core.normalize import normalize_digits
from sarnakh.core.ui.formatting import format_number

MAX_TEXT = 2000
TRUE_WORDS = {"true", "1", "yes", "y", "on", "بله", "آره", "درست"}
FALSE_WORDS = {"false", "0", "no", "n", "off", "خیر", "نه", "نادرست"}


@dataclass(frozen=True)
class PropertySpec:
    key: str
    label: str
    type: str
    choices: tuple[str, ...] = ()


class PropertyValueError(ValueError):
    pass


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise PropertyValueError(_("Enter a number."))
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PropertyValueError(_("Enter a number."))
        return value
    text = normalize_digits(str(value)).strip().replace(",", "").replace("٬", "").replace("٫", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise PropertyValueError(_("Enter a number.")) from None
    if not number.is_finite():
        raise PropertyValueError(_("Enter a number."))
    return int(number) if number == number.to_integral_value() else float(number)


def _date(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = normalize_digits(str(value)).strip().replace("/", "-")
    try:
        year, month, day = (int(part) for part in text.split("-"))
        # Years before 1700 are Jalali (Persian users type 1403-05-12).
        if year < 1700:
            return jdatetime.date(year, month, day).togregorian().isoformat()
        return dt.date(year, month, day).isoformat()
    except (ValueError, TypeError):
        raise PropertyValueError(_("Enter a date as YYYY-MM-DD.")) from None


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise PropertyValueError(_("Enter true or false."))


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    text = str(value).strip()
    if text not in choices:
        raise PropertyValueError(_("“%(value)s” is not one of the choices: %(choices)s.") % {"value": text[:100], "choices": ", ".join(choices)})
    return text


def _multi_choice(value: Any, choices: tuple[str, ...]) -> list[str]:
    items = value if isinstance(value, list | tuple) else [part for part in str(value).split(";") if part.strip()]
    cleaned: list[str] = []
    for item in items:
        choice = _choice(item, choices)
        if choice not in cleaned:
            cleaned.append(choice)
    return cleaned


def _text(value: Any) -> str:
    if isinstance(value, dict | list):
        raise PropertyValueError(_("Enter text."))
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise PropertyValueError(_("Keep this under %(max)s characters.") % {"max": format_number(MAX_TEXT)})
    return text


def clean_property_value(spec: PropertySpec, value: Any) -> Any:
    if spec.type == "text":
        return _text(value)
    if spec.type == "number":
        return _number(value)
    if spec.type == "date":
        return _date(value)
    if spec.type == "boolean":
        return _boolean(value)
    if spec.type == "choice":
        return _choice(value, spec.choices)
    if spec.type == "multi_choice":
        return _multi_choice(value, spec.choices)
    raise PropertyValueError(f"unknown property type {spec.type!r}")


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def clean_property_values(
    values: dict[str, Any], specs: dict[str, PropertySpec]
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Returns (cleaned values, errors keyed `properties.<key>`). Empty values mean "remove"."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    if not isinstance(values, dict):
        return {}, {"properties": [_("Send an object of property keys to values.")]}
    for key, value in values.items():
        spec = specs.get(key)
        if spec is None:
            errors[f"properties.{key}"] = [_("Unknown property. Define it in Settings → Properties first.")]
            continue
        if is_empty(value):
            cleaned[key] = None
            continue
        try:
            cleaned[key] = clean_property_value(spec, value)
        except PropertyValueError as exc:
            errors[f"properties.{key}"] = [str(exc)]
    return cleaned, errors


def apply_property_values(current: dict[str, Any], cleaned: dict[str, Any]) -> dict[str, Any]:
    merged = dict(current)
    for key, value in cleaned.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged
