"""The filter language's meaning in Python (pure, no ORM), written to agree row for row
with the SQL the compiler emits (core.filters.sql), so tests can compare the two.

Values by type: text is compared case-insensitively (`lower()`, which matches SQL
LOWER/LIKE for ASCII and for scripts without case such as Persian); choices and list
items (tags) exactly; numbers as Decimal; dates as aware datetimes. A missing value (None,
"", no list items) satisfies only the negative operators: `ne`, `not_in`, `is_not_set`.
Comparisons and relative dates reuse the shared operators (sarnakh.core.conditions).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from sarnakh.core.conditions import as_datetime
from sarnakh.core.conditions import holds as shared_holds

NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"  # the same as core.filters.sql's
NEGATIVE = frozenset({"ne", "not_in", "is_not_set"})
CLOCK_OPS = frozenset({"in_last_days", "more_than_days_ago", "in_next_days"})


def _blank(actual: Any) -> bool:
    return actual is None or actual == "" or (isinstance(actual, list | tuple | set | frozenset) and not actual)


def text(op: str, prepared: Any, actual: Any) -> bool:
    if op == "is_set":
        return not _blank(actual)
    if op == "is_not_set":
        return _blank(actual)
    if _blank(actual):
        return op in NEGATIVE
    value = str(actual).lower()
    if op == "eq":
        return value == prepared.lower()
    if op == "ne":
        return value != prepared.lower()
    if op == "in":
        return value in {p.lower() for p in prepared}
    if op == "not_in":
        return value not in {p.lower() for p in prepared}
    if op == "contains":
        return prepared.lower() in value
    if op == "starts_with":
        return any(value.startswith(p.lower()) for p in prepared)
    raise ValueError(f"operator {op!r} on text")


def exact(op: str, prepared: Any, actual: Any) -> bool:
    """Choices and booleans: compared as stored."""
    if op == "is_set":
        return not _blank(actual)
    if op == "is_not_set":
        return _blank(actual)
    if _blank(actual):
        return op in NEGATIVE
    if op == "eq":
        return actual == prepared
    if op == "ne":
        return actual != prepared
    if op == "in":
        return actual in prepared
    if op == "not_in":
        return actual not in prepared
    raise ValueError(f"operator {op!r} on a choice")


def items(op: str, prepared: Any, actual: Any) -> bool:
    """A list of values (tags): `in` = has any of, `not_in` = has none of."""
    values = set(actual or ())
    if op == "in":
        return bool(values & set(prepared))
    if op == "not_in":
        return not values & set(prepared)
    if op == "is_set":
        return bool(values)
    if op == "is_not_set":
        return not values
    raise ValueError(f"operator {op!r} on a list")


def number(op: str, prepared: Any, actual: Any) -> bool:
    if op == "is_set":
        return actual is not None
    if op == "is_not_set":
        return actual is None
    if actual is None:
        return op in NEGATIVE
    value = Decimal(str(actual))
    if op == "eq":
        return value == prepared
    if op == "ne":
        return value != prepared
    if op == "in":
        return value in prepared
    if op == "not_in":
        return value not in prepared
    return _ordered(op, prepared, value, "number")


def date(op: str, prepared: Any, actual: Any, now: dt.datetime) -> bool:
    moment = as_datetime(actual)
    if op == "is_set":
        return moment is not None
    if op == "is_not_set":
        return moment is None
    if moment is None:
        return False
    if op in CLOCK_OPS:
        return shared_holds(op, prepared, moment, now=now)
    return _ordered(op, prepared, moment, "date")


def _ordered(op: str, prepared: Any, value: Any, kind: str) -> bool:
    """The comparisons numbers and dates share."""
    if op == "gt":
        return value > prepared
    if op == "lt":
        return value < prepared
    if op == "gte":
        return value >= prepared
    if op == "lte":
        return value <= prepared
    if op == "between":
        return prepared[0] <= value <= prepared[1]
    raise ValueError(f"operator {op!r} on a {kind}")


def dates_any(op: str, prepared: Any, moments: list[Any], now: dt.datetime) -> bool:
    """A list of moments (each time a stage was reached): is_set = any, is_not_set = none,
    a window or comparison = at least one moment in it."""
    if op == "is_set":
        return bool(moments)
    if op == "is_not_set":
        return not moments
    return any(date(op, prepared, m, now) for m in moments)


def _json_number(value: Any) -> float | None:
    """A JSON value as SQL reads it as a number: a JSON number or a plain decimal string."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and re.match(NUMBER_PATTERN, value):
        return float(value)
    return None


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"  # as PostgreSQL reads it (SQLite reads 1 / 0)
    return value if isinstance(value, str) else str(value)


def floats(op: str, prepared: Any, actual: float | None) -> bool:
    if op == "is_set":
        return actual is not None
    if op == "is_not_set":
        return actual is None
    if actual is None:
        return op in NEGATIVE
    if op == "between":
        return prepared[0] <= actual <= prepared[1]
    if op in ("in", "not_in"):
        return (actual in prepared) == (op == "in")
    compare = {"eq": float.__eq__, "ne": float.__ne__, "gt": float.__gt__, "lt": float.__lt__,
               "gte": float.__ge__, "lte": float.__le__}[op]
    return compare(float(actual), float(prepared))


def json_value(op: str, prepared: tuple[str, Any] | None, actual: Any) -> bool:
    """A condition prepared by fields.prepare_json, on one JSON value."""
    kind, value = prepared or ("t", None)
    if kind == "n":
        return floats(op, value, _json_number(actual))
    return text(op, value, _json_text(actual))


# ---------------------------------------------------------------- dates kept as text (date properties)

ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"  # the same as core.filters.sql's


def iso_date_value(value: Any) -> str | None:
    """A JSON value as a date property is read: a "YYYY-MM-DD" string, else nothing."""
    return value if isinstance(value, str) and re.match(ISO_DATE_PATTERN, value) else None


def _day_bound(moment: dt.datetime, *, upper: bool, strict: bool) -> tuple[str, str]:
    """The test on a stored day d (read as its midnight UTC) equivalent to d_midnight ⋛ moment,
    as a comparison of ISO day strings: exact whatever the moment's time of day."""
    moment = moment.astimezone(dt.UTC)
    day, midnight = moment.date().isoformat(), moment.time() == dt.time(0)
    if upper:  # d_mid < m: d < day at midnight, d <= day later in it; d_mid <= m: d <= day
        return ("<", day) if strict and midnight else ("<=", day)
    # d_mid > m: d > day; d_mid >= m: d >= day at midnight, d > day later in it
    return (">", day) if strict or not midnight else (">=", day)


def iso_date_bounds(op: str, prepared: Any, now: dt.datetime) -> list[tuple[str, str]]:
    """The comparisons (`<`, `<=`, `>`, `>=`, ISO day) a date condition makes on a stored day."""
    days = dt.timedelta(days=prepared) if op in ("in_last_days", "in_next_days", "more_than_days_ago") else None
    return {
        "gt": lambda: [_day_bound(prepared, upper=False, strict=True)],
        "gte": lambda: [_day_bound(prepared, upper=False, strict=False)],
        "lt": lambda: [_day_bound(prepared, upper=True, strict=True)],
        "lte": lambda: [_day_bound(prepared, upper=True, strict=False)],
        "between": lambda: [_day_bound(prepared[0], upper=False, strict=False), _day_bound(prepared[1], upper=True, strict=False)],
        "in_last_days": lambda: [_day_bound(now - days, upper=False, strict=False), _day_bound(now, upper=True, strict=False)],
        "in_next_days": lambda: [_day_bound(now, upper=False, strict=False), _day_bound(now + days, upper=True, strict=False)],
        "more_than_days_ago": lambda: [_day_bound(now - days, upper=True, strict=True)],
    }[op]()


_COMPARE = {"<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


def iso_date(op: str, prepared: Any, actual: str | None, now: dt.datetime) -> bool:
    if op == "is_set":
        return actual is not None
    if op == "is_not_set":
        return actual is None
    if actual is None:
        return False
    return all(_COMPARE[cmp](actual, day) for cmp, day in iso_date_bounds(op, prepared, now))
