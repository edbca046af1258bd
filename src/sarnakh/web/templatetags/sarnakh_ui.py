"""Template helpers: dates in the reader's calendar (Jalali in Persian), numbers, percentages,
isolated user values (`bdi`), lookups.
The formatting itself is core.ui.formatting, shared with Python callers."""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html

from sarnakh.contacts.selectors import stage_label as contact_stage_label
from sarnakh.core.ui.formatting import (
    format_number,
    format_percent,
    format_points,
    format_when,
    is_persian,
    isolate,
    persian_digits,
    readable_url,
    url_link,
)

register = template.Library()


@register.filter
def when(value) -> str:
    """Date and time: Jalali with Persian month names and digits in Persian, Gregorian otherwise."""
    return format_when(value, with_time=True)


@register.filter
def day(value) -> str:
    return format_when(value, with_time=False)


@register.filter
def num(value, places=None) -> str:
    """A number with grouping, Persian digits in Persian; `|num:2` fixes two decimals."""
    return format_number(value, None if places in (None, "") else int(places))


@register.filter
def pct(value, places=1) -> str:
    """A value in percent: `12.5|pct` → 12.5% (۱۲٫۵٪)."""
    return format_percent(value, int(places))


@register.filter
def ratio_pct(value, places=1) -> str:
    """A ratio as a percentage: `0.125|ratio_pct` → 12.5%."""
    return format_percent(value, int(places), ratio=True)


@register.filter
def pp(value) -> str:
    """Percentage points: `2.5|pp` → +2.5 pp."""
    return format_points(value)


@register.filter
def code(value) -> str:
    """A literal to type or read as written (a command, an HTML attribute or tag) inside a
    sentence: `{% blocktranslate with cmd="sarnakh serve"|code %}…{{ cmd }}…{% endblocktranslate %}`."""
    # Always escaped: a literal in a template ("</head>") arrives marked safe.
    return format_html('<code dir="ltr">{}</code>', escape(value)) if value not in (None, "") else ""


@register.filter
def digits(value) -> str:
    """Text Django or a library wrote with Western digits ("2 minutes" from timesince) in the
    reader's digits; numbers of our own go through `num`."""
    text = "" if value is None else str(value)
    return persian_digits(text) if is_persian() else text


@register.filter
def bdi(value) -> str:
    """Every user value and Latin fragment in running text goes through this: `{{ contact.email|bdi }}`."""
    return isolate(value)


@register.filter
def stage_label(key) -> str:
    """A stage key as the reader's label (`{{ run.target_stage|stage_label }}`): pages never show the key."""
    return contact_stage_label(key) if key else ""


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


@register.filter
def url_text(value) -> str:
    """A stored URL shown as text: percent-escapes decoded, isolated (`{{ session.referrer|url_text }}`)."""
    return isolate(readable_url(value))


@register.filter
def url(value) -> str:
    """A stored URL shown as a link: readable text, isolated; the href keeps the URL as stored."""
    return url_link(value)
