"""Numbers and dates as the reader expects them: Persian digits and the Jalali calendar in
Persian, Gregorian otherwise. The template filters of `web` (`when`, `day`, `num`) and
Python code that formats for a page (charts, inline fields) both call these."""

from __future__ import annotations

import datetime as dt

import jdatetime
from django.utils import dateformat, timezone
from django.utils.translation import get_language

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def is_persian() -> bool:
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
        if is_persian():
            jalali = jdatetime.datetime.fromgregorian(datetime=value, locale="fa_IR")
            text = f"{jalali.day} {jalali.strftime('%B')} {jalali.year}"
            return persian_digits(f"{text}، {jalali.strftime('%H:%M')}" if with_time else text)
        return dateformat.format(value, "j M Y, H:i" if with_time else "j M Y")
    if is_persian():
        jalali = jdatetime.date.fromgregorian(date=value, locale="fa_IR")
        return persian_digits(f"{jalali.day} {jalali.strftime('%B')} {jalali.year}")
    return dateformat.format(value, "j M Y")


def format_number(value) -> str:
    """A number with grouping; Persian digits in Persian."""
    if value is None or value == "":
        return ""
    try:
        text = f"{int(value):,}"
    except (TypeError, ValueError):
        text = str(value)
    return persian_digits(text.replace(",", "٬")) if is_persian() else text
