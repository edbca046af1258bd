"""Template helpers: dates in the reader's calendar (Jalali in Persian), digits, lookups."""

from __future__ import annotations

import datetime as dt

import jdatetime
from django import template
from django.utils import dateformat, timezone
from django.utils.translation import get_language

register = template.Library()

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _persian() -> bool:
    return (get_language() or "").startswith("fa")


def persian_digits(text: str) -> str:
    return text.translate(_PERSIAN_DIGITS)


def _as_datetime_or_date(value):
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value


def format_when(value, with_time: bool = True) -> str:
    value = _as_datetime_or_date(value)
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if _persian():
            jalali = jdatetime.datetime.fromgregorian(datetime=value, locale="fa_IR")
            text = f"{jalali.day} {jalali.strftime('%B')} {jalali.year}"
            return persian_digits(f"{text}، {jalali.strftime('%H:%M')}" if with_time else text)
        return dateformat.format(value, "j M Y, H:i" if with_time else "j M Y")
    if _persian():
        jalali = jdatetime.date.fromgregorian(date=value, locale="fa_IR")
        return persian_digits(f"{jalali.day} {jalali.strftime('%B')} {jalali.year}")
    return dateformat.format(value, "j M Y")


@register.filter
def when(value) -> str:
    """Date and time: Jalali with Persian month names and digits in Persian, Gregorian otherwise."""
    return format_when(value, with_time=True)


@register.filter
def day(value) -> str:
    return format_when(value, with_time=False)


@register.filter
def num(value) -> str:
    """A number with grouping; Persian digits in Persian."""
    if value is None or value == "":
        return ""
    try:
        text = f"{int(value):,}"
    except (TypeError, ValueError):
        text = str(value)
    return persian_digits(text.replace(",", "٬")) if _persian() else text


@register.filter
def lookup(mapping, key):
    if not mapping:
        return ""
    return mapping.get(key, key)


@register.filter
def percent_of(value, total) -> int:
    """Bar widths: value as a whole percentage of total."""
    try:
        return round(100 * int(value) / int(total)) if int(total) else 0
    except (TypeError, ValueError):
        return 0


@register.filter
def person(user) -> str:
    """A user's full name, else username; empty for no user (owners and authors are optional)."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
