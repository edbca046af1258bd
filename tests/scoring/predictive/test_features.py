"""Turning a messy export into features: placeholders, numbers and dates as people write
them, categories, identifiers, and the target column."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sarnakh.scoring.predictive.features import (
    CATEGORICAL,
    CONSTANT,
    DATE,
    EMPTY,
    ID_LIKE,
    NUMERIC,
    DataError,
    FeatureEncoder,
    Table,
    is_missing,
    parse_date,
    parse_number,
    parse_target,
    profile_column,
    profile_table,
)


def column(values: list) -> np.ndarray:
    return np.array(values, dtype=object)


@pytest.mark.parametrize("value", [None, "", "   ", "Select", "-- Select --", "--", "-", "N/A", "n/a", "nan", "NULL", "unknown", "Unknown", "انتخاب کنید", "نامشخص"])
def test_placeholders_count_as_missing(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", ["Manager", "0", "no", "Selection Committee", "-5"])
def test_real_values_are_not_missing(value):
    assert not is_missing(value)


@pytest.mark.parametrize(
    ("text", "number"),
    [("42", 42.0), ("1,234.5", 1234.5), ("۱۲۳۴", 1234.0), ("۱٬۲۳۴٫۵", 1234.5), ("$1,200", 1200.0), ("45%", 45.0), ("-3e2", -300.0), (" 7 ", 7.0)],
)
def test_numbers_as_people_write_them(text, number):
    assert parse_number(text) == number


@pytest.mark.parametrize("text", ["abc", "12 apples", "inf", "1-10", "2024-05-01"])
def test_non_numbers_are_not_numbers(text):
    assert parse_number(text) is None


def test_dates_iso_slash_and_jalali_become_days_since_1970():
    assert parse_date("1970-01-02") == 1.0
    assert parse_date("2024-05-01T12:00:00Z") == parse_date("2024-05-01") + 0.5
    assert parse_date("2024/05/01") == parse_date("2024-05-01")
    assert parse_date("1403/01/01") == parse_date("2024-03-20")  # Nowruz 1403
    assert parse_date("۱۴۰۳/۰۱/۰۱") == parse_date("2024-03-20")
    assert parse_date("31/12/2024", dayfirst=True) == parse_date("2024-12-31")
    assert parse_date("12/31/2024") == parse_date("2024-12-31")
    assert parse_date("Manager") is None


def test_a_numeric_column_with_placeholders_stays_numeric_with_those_cells_missing():
    profile = profile_column("employees", column(["10", "Select", "250", "", "1,200", "N/A", "40"] * 5))

    assert profile.kind == NUMERIC
    assert profile.missing == 15
    assert profile.values[:3].tolist()[0] == 10.0 and math.isnan(profile.values[1])


def test_a_date_column_is_profiled_as_dates_and_day_first_is_detected():
    profile = profile_column("created", column(["03/04/2024", "25/04/2024", "--", "01/05/2024"] * 3))

    assert profile.kind == DATE
    assert profile.dayfirst
    assert profile.values[0] == parse_date("2024-04-03")


def test_category_spellings_that_differ_only_in_case_letters_or_spacing_are_one_level():
    profile = profile_column("title", column(["Sales Manager", "sales  manager", "مدير فروش", "مدیر فروش", "Select"]))

    assert profile.kind == CATEGORICAL
    assert profile.distinct == 2
    assert profile.values[0] == profile.values[1]
    assert profile.values[2] == profile.values[3]
    assert profile.values[4] is None


def test_identifier_columns_are_recognised():
    emails = profile_column("email", column([f"user{i}@example.com" for i in range(40)]))
    ids = profile_column("Lead ID", column([str(1000 + i) for i in range(40)]))
    amounts = profile_column("amount", column([f"{i * 1.37:.2f}" for i in range(1, 41)]))

    assert (emails.kind, ids.kind) == (ID_LIKE, ID_LIKE)
    assert amounts.kind == NUMERIC  # unique measurements are still measurements


def test_constant_and_empty_columns_are_recognised():
    assert profile_column("source", column(["web"] * 30)).kind == CONSTANT
    assert profile_column("notes", column(["", "Select", None] * 10)).kind == EMPTY
    # one value plus blanks says "answered or not": kept
    assert profile_column("opted_in", column(["yes", ""] * 15)).kind == CATEGORICAL


def test_encoder_learns_levels_and_medians_from_training_rows_only():
    table = Table.from_dict({
        "industry": ["Software"] * 10 + ["Retail"] * 10 + ["Mining"] + ["Select"] * 2 + ["Software", "Space"],
        "employees": ["10"] * 10 + ["30"] * 13 + ["9999", "Select"],
    })
    profiles = profile_table(table, table.columns)
    train, test = np.arange(23), np.array([23, 24])

    encoder = FeatureEncoder(min_level_count=5).fit(profiles, train)
    X_test = encoder.transform(profiles, test)

    assert encoder.feature_names == [
        "industry = Retail", "industry = Software", "industry (other)", "industry (missing)", "employees",
    ]
    names = encoder.feature_names
    # an unseen level is "other"; a missing number gets the training median, not a test value
    assert X_test[1, names.index("industry (other)")] == 1.0
    assert X_test[1, names.index("employees")] == 30.0
    assert encoder.source_groups() == {"industry": [0, 1, 2, 3], "employees": [4]}


def test_encoder_adds_a_missing_indicator_for_numbers_missing_in_training():
    table = Table.from_dict({"views": ["1", "Select", "3", "--", "5", "7"]})
    profiles = profile_table(table, table.columns)

    encoder = FeatureEncoder().fit(profiles, np.arange(6))
    X = encoder.transform(profiles, np.arange(6))

    assert encoder.feature_names == ["views", "views (missing)"]
    assert X[:, 1].tolist() == [0, 1, 0, 1, 0, 0]
    assert X[1, 0] == 4.0  # median of 1, 3, 5, 7


def test_native_matrix_has_one_column_per_original_column_with_codes_and_nan():
    table = Table.from_dict({"industry": ["A"] * 6 + ["B"] * 6 + ["Select", "rare"], "views": ["1"] * 13 + ["--"]})
    profiles = profile_table(table, table.columns)
    encoder = FeatureEncoder(min_level_count=5).fit(profiles, np.arange(14))

    native = encoder.transform_native(profiles, np.arange(14))

    assert encoder.native_columns == ["industry", "views"]
    assert encoder.native_categorical.tolist() == [True, False]
    assert native[0, 0] == 0.0 and native[6, 0] == 1.0 and native[13, 0] == 2.0  # rare -> "other" code
    assert math.isnan(native[12, 0]) and math.isnan(native[13, 1])


@pytest.mark.parametrize(
    ("values", "positive", "negative"),
    [
        (["1", "0", "0", "1.0", "0"], "1", "0"),
        (["yes", "No", "no", "YES", "no"], "yes", "No"),
        (["true", "false", "true", "true", "true"], "true", "false"),  # yes-like wins even when more frequent
        (["بله", "خیر", "خير", "خیر", "بله"], "بله", "خیر"),
        (["won", "lost", "lost", "lost", "won", "lost"], "won", "lost"),  # the rarer value
    ],
)
def test_target_values_and_which_is_positive(values, positive, negative):
    target = parse_target("outcome", column(values + ["", "Select"]))

    assert (target.positive, target.negative) == (positive, negative)
    assert target.y.tolist()[-2:] == [-1, -1]
    assert target.y[0] == 1


def test_target_positive_value_can_be_chosen():
    target = parse_target("stage", column(["customer", "lead", "lead", "customer"]), positive="LEAD")

    assert target.positive == "lead"
    assert target.y.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize(
    ("values", "positive", "message"),
    [
        (["a", "b", "c", "a"], "", "has 3 different values"),
        (["yes", "yes", "Select"], "", "only one value ('yes')"),
        (["", "--"], "", "has no values"),
        (["yes", "no"], "maybe", "--positive 'maybe' is not a value"),
    ],
)
def test_unusable_targets_are_refused_with_a_reason(values, positive, message):
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_target("outcome", column(values), positive=positive)
