"""Template helpers: dates in the reader's calendar (Jalali in Persian), digits, lookups.
The formatting itself is core.ui.formatting, shared with Python callers."""

from __future__ import annotations

from django import template

from sarnakh.core.ui.formatting import format_number, format_when

register = template.Library()


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
    return format_number(value)


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
