"""Dates in imported files: ISO, day-first or month-first, Gregorian or Jalali. Pure: no ORM.

Spreadsheets write `31/12/2017`, `12/31/2017 6:30 PM`, `31-12-2017` and, in Persian teams,
`1403/05/12` or `۱۴۰۳/۰۵/۱۲ ۱۸:۳۰`. A value alone cannot say whether `04/05/2017` is
4 May or 5 April, so the order is decided once per column from its values
(`detect_order`): any value whose first part is above 12 makes the column day-first,
any whose second part is above 12 month-first (and dotted `01.02.2018` is day-first,
as nobody writes month-first with dots). A column with no such value is ambiguous:
the import's setting decides, and "auto" reads it month-first, as the US exports of
HubSpot and Salesforce write it (Persian files use year-first, which is never ambiguous).
A year from 1300 to 1499 is a Jalali year (today's Jalali years are in the 1400s; no
Gregorian date that old belongs in a lead list).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import jdatetime
from django.utils.translation import gettext as _

from sarnakh.core.normalize import normalize_digits

DAY_FIRST, MONTH_FIRST, YEAR_FIRST = "day_first", "month_first", "year_first"
AUTO = "auto"
JALALI_YEARS = range(1300, 1500)
GREGORIAN_YEARS = range(1900, 2201)
DETECT_MAX_VALUES = 100_000  # a column's order is read from at most this many values

_PARTS = re.compile(
    r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp]\.?[Mm]\.?)?)?$"
)


class DateFormatError(ValueError):
    pass


@dataclass(frozen=True)
class ColumnOrder:
    """How a column's dates are read: `order` (day_first, month_first or year_first),
    `how` it was decided (detected, chosen, default) and a value that showed it."""

    order: str
    how: str
    example: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"order": self.order, "how": self.how, "example": self.example}


def _split(text: str) -> tuple[int, int, int, tuple[int, int, int, str]] | None:
    match = _PARTS.match(text)
    if match is None:
        return None
    a, b, c, hour, minute, second, meridiem = match.groups()
    if len(a) != 4 and len(c) != 4:
        return None  # two-digit years are not guessed
    time = (int(hour or 0), int(minute or 0), int(second or 0), (meridiem or "").lower().replace(".", ""))
    return int(a) if len(a) == 4 else -int(a), int(b), int(c), time


def _prepare(value: str) -> str:
    return re.sub(r"\s+", " ", normalize_digits(value)).strip()


def detect_order(values: Iterable[str], *, setting: str = AUTO) -> ColumnOrder:
    """The order of a column's dates from (at most DETECT_MAX_VALUES of) its values.

    A chosen setting (day_first / month_first) is kept as chosen. With "auto": a first part
    above 12 means day-first, a second part above 12 month-first; a column of year-first
    values is year-first; nothing decisive (or both signs at once) falls back to month-first."""
    if setting in (DAY_FIRST, MONTH_FIRST):
        return ColumnOrder(setting, "chosen")
    day_example = month_example = year_example = ""
    for index, value in enumerate(values):
        if index >= DETECT_MAX_VALUES:
            break
        parts = _split(_prepare(value))
        if parts is None:
            continue
        first, second, _third, _time = parts
        if first > 0:
            year_example = year_example or value
        elif (-first > 12 or "." in _prepare(value).split(" ")[0]) and not day_example:
            # Dotted dates with the year last (01.02.2018) are written day-first (German, Russian, Persian Excel).
            day_example = value
        elif second > 12 and not month_example:
            month_example = value
        if day_example and month_example:
            break
    if day_example and not month_example:
        return ColumnOrder(DAY_FIRST, "detected", day_example)
    if month_example and not day_example:
        return ColumnOrder(MONTH_FIRST, "detected", month_example)
    if year_example and not day_example and not month_example:
        return ColumnOrder(YEAR_FIRST, "detected", year_example)
    return ColumnOrder(MONTH_FIRST, "default", day_example)


def _hour(hour: int, meridiem: str) -> int:
    if not meridiem:
        return hour
    if not 1 <= hour <= 12:
        raise ValueError("hour")
    return hour % 12 + (12 if meridiem == "pm" else 0)


def parse_import_date(value: str, tz: dt.tzinfo, *, order: str = MONTH_FIRST) -> dt.datetime:
    """A cell as an aware datetime (naive times are in `tz`). `order` says how a date with
    the year last is read; a year-first date is always year-month-day. Raises DateFormatError."""
    text = _prepare(value)
    parts = _split(text)
    moment: dt.datetime | None = None
    try:
        if parts is not None:
            first, second, third, (hour, minute, second_, meridiem) = parts
            if first > 0:
                year, month, day = first, second, third
            elif order == DAY_FIRST:
                year, month, day = third, second, -first
            else:
                year, month, day = third, -first, second
            hour = _hour(hour, meridiem)
            if year in JALALI_YEARS:
                moment = jdatetime.datetime(year, month, day, hour, minute, second_).togregorian()
            else:
                moment = dt.datetime(year, month, day, hour, minute, second_)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.year not in GREGORIAN_YEARS:
        raise DateFormatError(_("Enter a date such as 2024-05-31, 31/05/2024 14:30 or 1403/03/11."))
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
