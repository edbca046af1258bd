"""Condition operators, registered by key (DESIGN rule 6), shared by the scoring engine and
the filter language (core.filters): neither names one.

Each operator has a `prepare` step that turns the stored value into what the handler
compares with (compiled regex, normalised words, band position) and raises ValueError on
a value it cannot use; spec validation calls it, so a bad value is refused at save time.

Text comparisons go through `normalize_text`: case, spacing, Persian/Arabic letter
variants (ي/ی, ك/ک), digits and ZWNJ do not matter. A missing fact (None, "") satisfies
only the negative operators (`ne`, `not_in`, `is_not_set`). A list-valued fact (a multiple
choice property, tags) satisfies a positive operator when any element does and a negative
one when every element does.

Comparisons (`gt`, `lt`, `gte`, `lte`, `between`) take numbers, bands (employee or revenue
bands, ordered) or dates (ISO 8601; a date alone is its midnight UTC). Relative dates
(`in_last_days`, `more_than_days_ago`, `in_next_days`) take a number of days and are
decided against an injected `now` (`uses_clock`): `holds(..., now=...)`. Windows: "in the
last N days" is now − N days ≤ t ≤ now, "in the next N days" now ≤ t ≤ now + N days, "more
than N days ago" t < now − N days (both ends exact to the microsecond).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

from sarnakh.core.normalize import is_free_mail_domain, normalize_digits, normalize_text
from sarnakh.core.registry import Registry, Spec

# Copied from contacts.choices (the engine stays free of Django models); a test keeps them equal.
EMPLOYEE_BANDS = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001+")
REVENUE_BANDS = ("<1m", "1m-10m", "10m-50m", "50m-250m", "250m+")
_BAND_FAMILIES = (EMPLOYEE_BANDS, REVENUE_BANDS)

# First word of an answer that counts as yes (BANT answers as forms and sales type them).
YES_WORDS = frozenset(
    normalize_text(w) for w in "yes y true 1 ok approved confirmed بله بلی آره دارد هست است تایید".split()
)
MAX_PATTERN_LENGTH = 500
MAX_DAYS = 36_600  # a hundred years: a window longer than that is a typing slip
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True)
class OperatorSpec(Spec):
    prepare: Callable[[Any], Any] = lambda value: None
    takes_value: bool = True
    negated: bool = False  # on a list-valued fact: must hold for every element
    whole_value: bool = False  # sees a list-valued fact as one value
    uses_clock: bool = False  # the handler is (fact, prepared, now): relative dates
    filter_only: bool = False  # not offered to scoring rules (clock and count operators)


OPERATORS: Registry[OperatorSpec] = Registry("condition operator")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) and not isinstance(value, Decimal)


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    text = normalize_digits(str(value)).strip().replace(",", "")
    return Decimal(text) if _NUMBER.match(text) else None


def _key(value: Any) -> tuple:
    """Comparison key: booleans, numbers (also "12" typed in a form) and normalised text."""
    if isinstance(value, bool):
        return ("b", value)
    number = _number(value)
    if number is not None:
        return ("n", number)
    return ("s", normalize_text(str(value)))


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | dict):
        return not value
    return False


# --- prepare: stored value -> comparable, ValueError when unusable ---------------------


def _prep_scalar(value: Any) -> tuple:
    if not _is_scalar(value):
        raise ValueError(_("Enter one value."))
    return _key(value)


def _as_list(value: Any) -> list:
    items = list(value) if isinstance(value, list | tuple) else [value]
    if not items or not all(_is_scalar(v) and not _blank(v) for v in items):
        raise ValueError(_("Enter one or more values."))
    return items


def _prep_list(value: Any) -> frozenset:
    return frozenset(_key(v) for v in _as_list(value))


def _prep_words(value: Any) -> re.Pattern:
    """Whole words or phrases; a trailing `*` makes a prefix (`manag*` matches "management")."""
    parts = []
    for item in _as_list(value):
        word = normalize_text(str(item))
        prefix = word.endswith("*")
        word = word.rstrip("*").strip()
        if not word:
            raise ValueError(_("Enter one or more words."))
        parts.append(r"(?<!\w)" + re.escape(word) + ("" if prefix else r"(?!\w)"))
    return re.compile("|".join(parts))


def _prep_prefixes(value: Any) -> tuple[str, ...]:
    return tuple(normalize_text(str(v)) for v in _as_list(value))


def _prep_regex(value: Any) -> re.Pattern:
    if not isinstance(value, str) or not value:
        raise ValueError(_("Enter a regular expression."))
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueError(_("The pattern is too long."))
    try:
        return re.compile(value, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(_("Not a valid regular expression: %(error)s") % {"error": exc}) from None


def _clean_path(value: str) -> str:
    text = str(value).strip()
    if "://" in text:
        text = urlsplit(text).path or "/"
    text = text.split("#", 1)[0].split("?", 1)[0]
    return unquote(text).casefold()


def _prep_globs(value: Any) -> tuple[str, ...]:
    items = _as_list(value)
    if not all(isinstance(v, str) for v in items):
        raise ValueError(_("Enter one or more path patterns such as /pricing*."))
    return tuple(unquote(v.strip()).casefold() for v in items)


def as_datetime(value: Any) -> dt.datetime | None:
    """An aware datetime from a datetime, a date or ISO 8601 text (naive means UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and len(value.strip()) >= 10 and value.strip()[4:5] == "-":
        try:
            moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _prep_bound(value: Any) -> tuple:
    for family in _BAND_FAMILIES:
        if value in family:
            return ("band", family, family.index(value))
    moment = as_datetime(value)
    if moment is not None:
        return ("d", moment)
    number = _number(value) if not isinstance(value, str) or value.strip() else None
    if number is None:
        raise ValueError(_("Enter a number, a date or a band such as 11-50."))
    return ("n", number)


def _prep_range(value: Any) -> tuple[tuple, tuple]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(_("Enter two values: the lowest and the highest."))
    low, high = _prep_bound(value[0]), _prep_bound(value[1])
    if low[0] != high[0] or (low[0] == "band" and low[1] is not high[1]):
        raise ValueError(_("Both ends must be of the same kind."))
    if low[-1] > high[-1]:
        raise ValueError(_("The lowest value is above the highest."))
    return low, high


def _prep_days(value: Any) -> int:
    number = None if isinstance(value, bool) else _number(value)
    if number is None or number != number.to_integral_value() or not 0 <= number <= MAX_DAYS:
        raise ValueError(_("Enter a whole number of days from 0 to %(max)s.") % {"max": MAX_DAYS})
    return int(number)


def _prep_times(value: Any) -> int:
    """A count: a whole number, or a behaviour condition's {"times": n, …}."""
    if isinstance(value, dict):
        value = value.get("times", 1)
    number = None if isinstance(value, bool) else _number(value)
    if number is None or number != number.to_integral_value() or not 0 <= number <= 1_000_000:
        raise ValueError(_("Enter a whole number of times."))
    return int(number)


def _prep_substring(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Enter some text."))
    return normalize_text(value)


# --- handlers: (fact, prepared) -> bool --------------------------------------------------


def _fact(actual: Any) -> bool:
    return not _blank(actual) and isinstance(actual, str | int | float | bool | Decimal)


def _eq(actual: Any, prepared: tuple) -> bool:
    return _fact(actual) and _key(actual) == prepared


def _in(actual: Any, prepared: frozenset) -> bool:
    return _fact(actual) and _key(actual) in prepared


def _contains_any(actual: Any, prepared: re.Pattern) -> bool:
    return not _blank(actual) and prepared.search(normalize_text(str(actual))) is not None


def _starts_with(actual: Any, prepared: tuple[str, ...]) -> bool:
    return not _blank(actual) and normalize_text(str(actual)).startswith(prepared)


def _matches(actual: Any, prepared: re.Pattern) -> bool:
    # Raw text for patterns written against it, normalised text for Persian letter variants.
    if _blank(actual):
        return False
    text = str(actual)
    return bool(prepared.search(text) or prepared.search(normalize_text(text)))


def _path_matches(actual: Any, prepared: tuple[str, ...]) -> bool:
    if _blank(actual):
        return False
    path = _clean_path(actual)
    return any(fnmatch.fnmatchcase(path, glob) for glob in prepared)


def _position(actual: Any, prepared: tuple) -> Any:
    if prepared[0] == "band":
        return prepared[1].index(actual) if actual in prepared[1] else None
    if prepared[0] == "d":
        return as_datetime(actual)
    return _number(actual)


def _gte(actual: Any, prepared: tuple) -> bool:
    position = _position(actual, prepared)
    return position is not None and position >= prepared[-1]


def _lte(actual: Any, prepared: tuple) -> bool:
    position = _position(actual, prepared)
    return position is not None and position <= prepared[-1]


def _gt(actual: Any, prepared: tuple) -> bool:
    position = _position(actual, prepared)
    return position is not None and position > prepared[-1]


def _lt(actual: Any, prepared: tuple) -> bool:
    position = _position(actual, prepared)
    return position is not None and position < prepared[-1]


def _between(actual: Any, prepared: tuple[tuple, tuple]) -> bool:
    return _gte(actual, prepared[0]) and _lte(actual, prepared[1])


def _contains(actual: Any, prepared: str) -> bool:
    return not _blank(actual) and prepared in normalize_text(str(actual))


def _in_last_days(actual: Any, days: int, now: dt.datetime) -> bool:
    moment = as_datetime(actual)
    return moment is not None and now - dt.timedelta(days=days) <= moment <= now


def _more_than_days_ago(actual: Any, days: int, now: dt.datetime) -> bool:
    moment = as_datetime(actual)
    return moment is not None and moment < now - dt.timedelta(days=days)


def _in_next_days(actual: Any, days: int, now: dt.datetime) -> bool:
    moment = as_datetime(actual)
    return moment is not None and now <= moment <= now + dt.timedelta(days=days)


def _is_yes(actual: Any, _prepared: Any) -> bool:
    if isinstance(actual, bool):
        return actual
    if _blank(actual):
        return False
    words = re.split(r"\W+", normalize_text(str(actual)))
    return next((w for w in words if w), "") in YES_WORDS


def _is_company_email(actual: Any, _prepared: Any) -> bool:
    if _blank(actual) or "@" not in str(actual):
        return False
    domain = str(actual).strip().rsplit("@", 1)[1].strip().lower()
    return "." in domain and not is_free_mail_domain(domain)


_TEXT = {"type": "string"}
_LIST = {"type": "array", "items": {"type": "string"}}
_NONE: dict = {}
_BOUND = {"type": ["number", "string"]}
_DAYS = {"type": "integer", "minimum": 0, "maximum": MAX_DAYS}
_TIMES = {"type": "object", "properties": {"times": {"type": "integer", "minimum": 0}}}

for spec in (
    OperatorSpec("eq", _("is"), _TEXT, _eq, prepare=_prep_scalar),
    OperatorSpec("ne", _("is not"), _TEXT, lambda a, p: not _eq(a, p), prepare=_prep_scalar, negated=True),
    OperatorSpec("in", _("is one of"), _LIST, _in, prepare=_prep_list),
    OperatorSpec("not_in", _("is none of"), _LIST, lambda a, p: not _in(a, p), prepare=_prep_list, negated=True),
    OperatorSpec("contains_any", _("contains any of the words"), _LIST, _contains_any, prepare=_prep_words),
    OperatorSpec("starts_with", _("starts with"), _LIST, _starts_with, prepare=_prep_prefixes),
    OperatorSpec("matches", _("matches the pattern"), _TEXT, _matches, prepare=_prep_regex),
    OperatorSpec("path_matches", _("path matches"), _LIST, _path_matches, prepare=_prep_globs),
    OperatorSpec("gte", _("is at least"), _BOUND, _gte, prepare=_prep_bound),
    OperatorSpec("lte", _("is at most"), _BOUND, _lte, prepare=_prep_bound),
    OperatorSpec("gt", _("is more than"), _BOUND, _gt, prepare=_prep_bound),
    OperatorSpec("lt", _("is less than"), _BOUND, _lt, prepare=_prep_bound),
    OperatorSpec("between", _("is between"), {"type": "array", "items": _BOUND, "minItems": 2, "maxItems": 2}, _between, prepare=_prep_range),
    OperatorSpec("contains", _("contains"), _TEXT, _contains, prepare=_prep_substring),
    OperatorSpec("in_last_days", _("in the last N days"), _DAYS, _in_last_days, prepare=_prep_days, uses_clock=True, filter_only=True),
    OperatorSpec("more_than_days_ago", _("more than N days ago"), _DAYS, _more_than_days_ago, prepare=_prep_days, uses_clock=True, filter_only=True),
    OperatorSpec("in_next_days", _("in the next N days"), _DAYS, _in_next_days, prepare=_prep_days, uses_clock=True, filter_only=True),
    # Behaviour counts: the fact is how many times something happened.
    OperatorSpec("at_least", _("at least N times"), _TIMES, lambda a, p: _number(a) is not None and _number(a) >= p, prepare=_prep_times, whole_value=True, filter_only=True),
    OperatorSpec("fewer_than", _("fewer than N times"), _TIMES, lambda a, p: (_number(a) or 0) < p, prepare=_prep_times, whole_value=True, filter_only=True),
    OperatorSpec("is_set", _("is filled in"), _NONE, lambda a, p: not _blank(a), takes_value=False, whole_value=True),
    OperatorSpec("is_not_set", _("is empty"), _NONE, lambda a, p: _blank(a), takes_value=False, whole_value=True),
    OperatorSpec("is_yes", _("is answered yes"), _NONE, _is_yes, takes_value=False),
    OperatorSpec("is_company_email", _("is a company email"), _NONE, _is_company_email, takes_value=False),
):
    OPERATORS.register(spec)


def prepare(op: str, value: Any) -> Any:
    """The comparable form of `value` for operator `op`; raises UnknownKey or ValueError."""
    return OPERATORS.get(op).prepare(value)


def holds(op: str, prepared: Any, actual: Any, now: dt.datetime | None = None) -> bool:
    """Whether the fact `actual` satisfies `op` with its prepared value; an operator that
    uses the clock needs `now`."""
    spec = OPERATORS.get(op)
    if spec.uses_clock:
        if now is None:
            raise ValueError(f"operator {op!r} needs the current time")
        handler = lambda item, p: spec.handler(item, p, now)  # noqa: E731
    else:
        handler = spec.handler
    if isinstance(actual, list | tuple | set | frozenset) and not spec.whole_value:
        results = (handler(item, prepared) for item in actual)
        return all(results) if spec.negated else any(results)
    return handler(actual, prepared)
