"""Numbers, dates and user values as the reader expects them: Persian digits, separators
and the Jalali calendar in Persian, one Gregorian style ("4 Dec 2026, 15:15") in English,
and every user value isolated from the text around it. The template filters of `web`
(`when`, `day`, `num`, `pct`, `pp`, `bdi`) and Python code that formats for a page (charts,
inline fields, messages) call these; no page formats a number or a date any other way."""

from __future__ import annotations

import datetime as dt
import unicodedata
from decimal import Decimal, InvalidOperation

import jdatetime
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, pgettext

_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian signs carry a left-to-right mark (as CLDR's) so a minus or plus stays on the left
# of the digits inside right-to-left text: "‎−۳", not "۳−".
_LRM = "\u200e"


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


def _decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _text(number: Decimal, places: int, *, trim: bool) -> str:
    """Grouped ASCII digits with `places` decimals (trailing zeros dropped when `trim`),
    then the reader's digits, separators and minus sign."""
    text = f"{number:,.{places}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")
    if is_persian():
        return persian_digits(text.replace(",", "٬").replace(".", "٫").replace("-", _LRM + "−"))
    return text.replace("-", "−")


def format_number(value, places: int | None = None) -> str:
    """A number with grouping (1,234 / ۱٬۲۳۴); `places` fixes the decimals (0.5 → 0.50),
    otherwise at most two, without trailing zeros. Persian digits, separators (٬ ٫) and
    minus sign in Persian. Not a number: the text as it is."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else str(value)
    return _text(number, 2 if places is None else places, trim=places is None)


def format_percent(value, places: int = 1, *, ratio: bool = False) -> str:
    """A percentage: `value` in percent (12.5 → 12.5%), or a `ratio` (0.125 → 12.5%), with
    at most `places` decimals; the Persian percent sign in Persian (۱۲٫۵٪)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else str(value)
    text = _text(number * (100 if ratio else 1), places, trim=True)
    return f"{text}٪" if is_persian() else f"{text}%"


def format_signed(value, places: int = 2) -> str:
    """A change or a contribution, signed both ways, with at most `places` decimals:
    "+2.5" / "−1" ("‎+۲٫۵" / "‎−۱" in Persian)."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else str(value)
    text = _text(number, places, trim=True)
    if number > 0 and text.strip("0.,٫٬۰") != "":
        return (_LRM + "+" if is_persian() else "+") + text
    return text


def format_points(value) -> str:
    """Percentage points (a difference of two rates): "+2.5 pp" / "+۲٫۵ واحد درصد"."""
    number = _decimal(value)
    if number is None:
        return "" if value is None or value == "" else str(value)
    return f"{format_signed(number, 1)} {pgettext('percentage points', 'pp')}"


def isolate(value) -> str:
    """A user value or a Latin fragment in running text, isolated from the text around it
    (`<bdi>`): an email, a phone with its +, a company name ending in a full stop keep
    their own direction on a Persian page. Escaped; empty for nothing. The class `uv`
    marks it as user data (the Persian page walk skips it)."""
    if value is None or value == "":
        return ""
    if isinstance(value, SafeString) and value.startswith(_ISOLATED) and value.endswith("</bdi>") and value.count("<bdi") == 1:
        return value  # isolated once already (by Python code before the template's |bdi)
    return format_html(_ISOLATED + '{}</bdi>', value)


_ISOLATED = '<bdi class="uv" dir="auto">'


# Kept escaped when a URL is shown: invisible or direction-changing characters would let a
# link read as something else. ZWNJ and ZWJ stay: Persian words need them.
_KEEP_ESCAPED = {"Cc", "Cf", "Zl", "Zp"}
_JOINERS = {"\u200c", "\u200d"}


def readable_url(url) -> str:
    """A URL as a person reads it: percent-escapes decoded (`/blog/سلام` rather than
    `/blog/%D8%B3%D9%84%D8%A7%D9%85`), for display only (a link keeps the URL as stored).
    Bytes that are not UTF-8 and invisible or bidi control characters stay escaped."""
    from urllib.parse import quote, unquote

    text = str(url or "")
    try:
        decoded = unquote(text, errors="strict")
    except UnicodeDecodeError:
        return text
    return "".join(
        quote(ch, safe="") if ch not in _JOINERS and (unicodedata.category(ch) in _KEEP_ESCAPED or ch in "\t\n\r ") else ch
        for ch in decoded
    )


def url_link(url) -> str:
    """A stored URL on a page: its readable text, isolated, linking to the URL as stored
    when it is a web address (http/https); only the text otherwise (never a javascript: link)."""
    text = str(url or "")
    if not text:
        return ""
    if text.lower().startswith(("http://", "https://")):
        return format_html('<a href="{}" rel="noopener noreferrer nofollow" class="break">{}</a>', text, isolate(readable_url(text)))
    return isolate(readable_url(text))
def format_message(message: str, **values) -> SafeString:
    """A (translated) sentence with named placeholders, as safe HTML: `message` and plain
    values are escaped, values already safe (isolate(...), format_* results) are kept:
    `format_message(_("Merged with %(name)s"), name=isolate(name))`."""
    return mark_safe(conditional_escape(message) % {key: conditional_escape(value) for key, value in values.items()})
