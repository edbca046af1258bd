"""The predictive report's reasons (stored in English) read in the reader's language."""

from __future__ import annotations

from django.utils import translation

from sarnakh.scoring.templatetags.scoring_ui import predictive_reason


def test_given_reasons_stored_in_english_when_shown_in_persian_then_translated():
    with translation.override("fa"):
        constant = predictive_reason("constant: the same value in every row")
        order = predictive_reason("the order column (time-ordered validation)")
        unique = predictive_reason("97% of the values are unique (an identifier or free text)")
        unknown = predictive_reason("something new")

    assert constant == "ثابت: در همهٔ ردیف‌ها یک مقدار"
    assert order.startswith("ستون ترتیب")
    assert unique.startswith("۹۷٪ مقدارها یکتا")
    assert unknown == "something new"


def test_given_english_reader_then_reasons_stay_as_written():
    assert predictive_reason("constant: the same value in every row") == "constant: the same value in every row"
