"""The predictive page's sentence for marketers, and lift deciles without walls of 0×."""

from __future__ import annotations

from django.utils import translation

from sarnakh.scoring.field_labels import predictive_label
from sarnakh.scoring.predictive import summary


def _decile(n: int, rows: int, positives: int, lift: float, capture: float) -> dict:
    return {"decile": n, "rows": rows, "positives": positives, "rate": positives / rows, "lift": lift, "cumulative_capture": capture}


# 10 deciles of 40 test contacts, 20 reached the stage (5%): the top tenth converts at 25%.
GOOD = {
    "brier": 0.04, "brier_reference": 0.0475,
    "lift_by_decile": [_decile(1, 40, 10, 5.0, 0.5), _decile(2, 40, 5, 2.5, 0.75), _decile(3, 40, 5, 2.5, 1.0)]
    + [_decile(n, 40, 0, 0.0, 1.0) for n in range(4, 11)],
}


def test_given_a_model_that_ranks_well_then_one_plain_sentence_with_the_lift():
    with translation.override("en"):
        result = summary.headline(GOOD, "Customer")
    assert result["better"] is True
    assert result["sentences"][0] == "The top 10% of leads by this score reached Customer 5× as often as average (25% against 5%)."
    assert result["sentences"][1] == "The top 10% of leads held 50% of those who reached Customer."


def test_given_a_model_no_better_than_the_base_rate_then_said_plainly():
    report = {**GOOD, "brier": 0.05}  # Brier skill below zero
    with translation.override("en"):
        result = summary.headline(report, "Customer")
    assert result["better"] is False
    assert result["sentences"][0].startswith("This score is no better than giving every lead the same chance of reaching Customer (5%)")
    assert "no closer to what happened" in result["sentences"][1]


def test_given_a_flat_ranking_then_no_better_even_with_a_positive_skill():
    report = {**GOOD, "lift_by_decile": [_decile(n, 40, 2, 1.0, n / 10) for n in range(1, 11)]}
    assert summary.headline(report, "Customer")["better"] is False


def test_given_few_test_conversions_then_the_figures_are_called_rough():
    report = {**GOOD, "lift_by_decile": [_decile(1, 38, 2, 2.8, 0.3), _decile(2, 38, 2, 2.8, 0.6)] + [_decile(n, 38, 1, 1.4, 1.0) for n in range(3, 6)]}
    with translation.override("en"):
        sentences = summary.headline(report, "Customer")["sentences"]
    assert sentences[-1] == "Measured on only 7 test contacts who reached it, so take this as a rough guide."


def test_given_a_persian_reader_then_the_sentence_has_persian_digits():
    with translation.override("fa"):
        sentence = summary.headline(GOOD, "مشتری")["sentences"][0]
    assert "۵" in sentence and "۲۵٪" in sentence and "5" not in sentence


def test_given_runs_of_empty_deciles_then_merged_and_single_ones_kept():
    bars = [{"decile": n, "rows": 10, "positives": p} for n, p in enumerate([3, 0, 2, 0, 0, 0, 1, 0, 0, 0], start=1)]
    rows = summary.lift_rows(bars)
    assert [(r["empty"], r.get("decile"), r.get("first"), r.get("last")) for r in rows] == [
        (False, 1, None, None), (False, 2, None, None), (False, 3, None, None), (True, None, 4, 6), (False, 7, None, None), (True, None, 8, 10),
    ]
    assert rows[3]["rows"] == 30


def test_predictive_columns_read_as_words_and_unknown_ones_as_they_are():
    with translation.override("en"):
        assert predictive_label("company_revenue_band") == "Company annual revenue"
        assert predictive_label("event: demo_requested") == 'Times doing “<bdi class="uv" dir="auto">demo_requested</bdi>”'
        assert predictive_label("lead_number") == '<bdi class="uv" dir="auto">lead_number</bdi>'
