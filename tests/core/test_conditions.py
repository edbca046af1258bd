"""The shared condition operators added for the filter language: strict comparisons,
between (numbers, bands, dates), contains, relative dates against an injected now, counts;
and scoring's view of the registry without the filter-only ones."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.core.conditions import OPERATORS, holds, prepare
from sarnakh.scoring.engine import OPERATORS as SCORING_OPERATORS

NOW = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)


def check(op, value, actual, now=None):
    return holds(op, prepare(op, value), actual, now=now)


@pytest.mark.parametrize(("op", "value", "actual", "expected"), [
    ("gt", 5, 6, True), ("gt", 5, 5, False), ("gt", 5, "۶", True), ("gt", 5, None, False),
    ("lt", 5, 4.9, True), ("lt", 5, 5, False), ("lt", "51-200", "11-50", True), ("lt", "51-200", "51-200", False),
    ("gt", "2026-01-01", "2026-01-01T00:00:01Z", True), ("gt", "2026-01-01", dt.date(2026, 1, 1), False),
    ("between", [1, 10], 1, True), ("between", [1, 10], 10, True), ("between", [1, 10], 10.01, False),
    ("between", ["11-50", "201-500"], "51-200", True), ("between", ["11-50", "201-500"], "5001+", False),
    ("between", ["2026-01-01", "2026-01-31"], "2026-01-31", True),
    ("contains", "Sales", "head of sales ops", True), ("contains", "مدیر", "مدير فروش", True), ("contains", "x", "", False),
    ("at_least", {"times": 2}, 2, True), ("at_least", 2, 1, False), ("fewer_than", {"times": 1}, 0, True),
])
def test_comparisons(op, value, actual, expected):
    assert check(op, value, actual) is expected


@pytest.mark.parametrize(("op", "days", "actual", "expected"), [
    ("in_last_days", 7, NOW - dt.timedelta(days=7), True),
    ("in_last_days", 7, NOW - dt.timedelta(days=7, microseconds=1), False),
    ("in_last_days", 7, NOW + dt.timedelta(microseconds=1), False),
    ("more_than_days_ago", 7, NOW - dt.timedelta(days=7), False),
    ("more_than_days_ago", 7, "2025-12-01", True),
    ("in_next_days", 7, NOW + dt.timedelta(days=7), True),
    ("in_next_days", 7, NOW - dt.timedelta(seconds=1), False),
    ("in_last_days", 7, None, False), ("in_last_days", 7, "not a date", False),
])
def test_relative_dates_against_the_given_now(op, days, actual, expected):
    assert check(op, days, actual, now=NOW) is expected


def test_a_clock_operator_without_now_is_a_programming_error():
    with pytest.raises(ValueError, match="needs the current time"):
        holds("in_last_days", 7, NOW)


@pytest.mark.parametrize(("op", "value"), [
    ("between", [10, 1]), ("between", [1]), ("between", [1, "11-50"]), ("gt", "soon"),
    ("in_last_days", -1), ("in_last_days", 1.5), ("in_last_days", 10**6), ("contains", ""), ("at_least", -1),
])
def test_bad_values_are_refused(op, value):
    with pytest.raises(ValueError):
        prepare(op, value)


def test_scoring_sees_the_shared_operators_but_the_filter_only_ones():
    shared = {spec.key for spec in OPERATORS}
    scoring = {spec.key for spec in SCORING_OPERATORS}
    assert scoring == {spec.key for spec in OPERATORS if not spec.filter_only}
    assert {"in_last_days", "more_than_days_ago", "in_next_days", "at_least", "fewer_than"} <= shared - scoring
    assert {"gt", "lt", "between", "contains", "eq", "path_matches"} <= scoring
    assert all(SCORING_OPERATORS.get(key) is OPERATORS.get(key) for key in scoring)
