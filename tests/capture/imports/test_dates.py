import datetime as dt

import pytest

from sarnakh.capture.imports.dates import (
    DAY_FIRST,
    DETECT_MAX_VALUES,
    MONTH_FIRST,
    YEAR_FIRST,
    DateFormatError,
    detect_order,
    parse_import_date,
)
from sarnakh.capture.imports.mapping import parse_created_at

TEHRAN = dt.timezone(dt.timedelta(hours=3, minutes=30))


@pytest.mark.parametrize(
    ("values", "order", "how"),
    [
        (["01/02/2017", "31-12-2017", "05/06/2018 10:00"], DAY_FIRST, "detected"),
        (["01/02/2017", "12/31/2017 6:30 PM"], MONTH_FIRST, "detected"),
        (["2017-12-31", "1403/05/12", "۱۴۰۳/۰۵/۱۲ ۱۸:۳۰"], YEAR_FIRST, "detected"),
        (["01.02.2017", "03.04.2018"], DAY_FIRST, "detected"),
        (["01/02/2017", "03/04/2018"], MONTH_FIRST, "default"),  # cannot tell: month first
        (["13/01/2017", "01/13/2017"], MONTH_FIRST, "default"),  # both signs: the setting's default
        (["not a date", ""], MONTH_FIRST, "default"),
    ],
)
def test_given_a_column_when_detecting_then_its_values_decide_the_order(values, order, how):
    found = detect_order(values)

    assert (found.order, found.how) == (order, how)


def test_a_chosen_order_is_kept_and_detection_reads_a_bounded_number_of_values():
    assert detect_order(["31/12/2017"], setting=MONTH_FIRST).as_dict() == {"order": MONTH_FIRST, "how": "chosen", "example": ""}
    endless = (f"{1 + i % 12:02d}/01/2017" if i < DETECT_MAX_VALUES else "31/01/2017" for i in range(10**9))
    assert detect_order(endless).how == "default"  # stopped before the day-first value far down


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("31-12-2017", DAY_FIRST, dt.datetime(2017, 12, 31, tzinfo=TEHRAN)),
        ("31/12/2017 18:30", DAY_FIRST, dt.datetime(2017, 12, 31, 18, 30, tzinfo=TEHRAN)),
        ("01.02.2018", DAY_FIRST, dt.datetime(2018, 2, 1, tzinfo=TEHRAN)),
        ("01/02/2018", MONTH_FIRST, dt.datetime(2018, 1, 2, tzinfo=TEHRAN)),
        ("12/31/2017 6:30 PM", MONTH_FIRST, dt.datetime(2017, 12, 31, 18, 30, tzinfo=TEHRAN)),
        ("2024-05-31", DAY_FIRST, dt.datetime(2024, 5, 31, tzinfo=TEHRAN)),
        ("2024-05-31T10:00:00Z", MONTH_FIRST, dt.datetime(2024, 5, 31, 10, tzinfo=dt.UTC)),
        ("1403/05/12", MONTH_FIRST, dt.datetime(2024, 8, 2, tzinfo=TEHRAN)),
        ("۱۴۰۳/۰۵/۱۲ ۱۸:۳۰", MONTH_FIRST, dt.datetime(2024, 8, 2, 18, 30, tzinfo=TEHRAN)),
        ("12/05/1403", DAY_FIRST, dt.datetime(2024, 8, 2, tzinfo=TEHRAN)),
    ],
)
def test_dates_are_read_in_the_column_order_and_jalali_years_are_jalali(text, order, expected):
    assert parse_import_date(text, TEHRAN, order=order) == expected


@pytest.mark.parametrize("text", ["31/12/2017", "yesterday", "1/2/17", "2017-02-30", "1250/01/01", "13/13/2017", "13:00 12/01/2017"])
def test_impossible_or_unclear_dates_are_refused(text):
    with pytest.raises(DateFormatError):
        parse_import_date(text, TEHRAN, order=MONTH_FIRST)


def test_a_single_value_is_read_by_its_own_evidence():
    assert parse_created_at("31/12/2017", TEHRAN) == dt.datetime(2017, 12, 31, tzinfo=TEHRAN)
