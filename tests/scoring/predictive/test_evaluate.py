"""Training and testing on a table: accuracy against a known signal, the baseline beside
it, the leakage guard, time-ordered validation, and the refusals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sarnakh.scoring.predictive import metrics
from sarnakh.scoring.predictive.evaluate import (
    GRADIENT_BOOSTING,
    LOGISTIC,
    NO_SKILL,
    Options,
    evaluate_table,
)
from sarnakh.scoring.predictive.features import DataError, Table
from tests.scoring.predictive.support import HEADERS, history_table, lead_history


def outcomes(table: Table, rows: np.ndarray) -> np.ndarray:
    return np.array([int(v) for v in table.cells["converted"][rows]])


def with_column(table: Table, name: str, values) -> Table:
    cells = dict(table.cells)
    cells[name] = np.array(values, dtype=object)
    return Table(columns=[*table.columns, name], cells=cells)


def test_given_a_known_logistic_signal_the_model_comes_close_to_the_best_possible_auc():
    table, truth = history_table(4000)

    evaluation = evaluate_table(table, Options(target="converted"))

    report = evaluation.report
    ceiling = metrics.auc(outcomes(table, evaluation.test_rows), truth[evaluation.test_rows])
    assert report["model"] == GRADIENT_BOOSTING
    assert report["auc"] > 0.7
    assert report["auc"] >= ceiling - 0.03
    # the plain logistic baseline ran on the same test rows
    assert report["baseline_auc"] >= ceiling - 0.03
    assert report["brier"] < report["brier_reference"]  # better than predicting the base rate


def test_report_tables_cover_every_test_row():
    table, _truth = history_table(2000)

    report = evaluate_table(table, Options(target="converted")).report

    test_rows = report["split"]["test_rows"]
    assert test_rows == 500 and report["split"]["train_rows"] == 1500
    assert [d["decile"] for d in report["lift_by_decile"]] == list(range(1, 11))
    assert sum(d["rows"] for d in report["lift_by_decile"]) == test_rows
    assert report["lift_by_decile"][-1]["cumulative_capture"] == 1.0
    assert report["lift_by_decile"][0]["lift"] > 1.5  # the top decile is worth more than the average
    assert sum(b["count"] for b in report["reliability"]) == test_rows
    assert all(b["lower"] <= b["mean_predicted"] <= b["upper"] for b in report["reliability"])
    assert sum(d["rows"] for d in report["baseline_lift_by_decile"]) == test_rows


def test_probabilities_are_calibrated_on_the_test_rows():
    table, _truth = history_table(4000)

    evaluation = evaluate_table(table, Options(target="converted"))

    y = outcomes(table, evaluation.test_rows)
    assert evaluation.report["calibration"] == "isotonic"
    assert abs(evaluation.probabilities.mean() - y.mean()) < 0.03
    big_bins = [b for b in evaluation.report["reliability"] if b["count"] >= 100]
    assert big_bins and all(abs(b["mean_predicted"] - b["observed_rate"]) < 0.1 for b in big_bins)


def test_small_data_falls_back_to_calibrated_logistic_regression():
    table, _truth = history_table(300)

    report = evaluate_table(table, Options(target="converted")).report

    assert report["model"] == LOGISTIC
    assert report["calibration"] == "sigmoid"
    assert "small data" in report["model_reason"]
    assert report["auc"] > 0.6
    assert report["top_features"][0]["column"] in {"pricing_views", "industry", "job_title"}
    assert {"strongest", "direction"} <= set(report["top_features"][0])


def test_top_features_name_original_columns_and_find_the_signal():
    table, _truth = history_table(3000)

    report = evaluate_table(table, Options(target="converted")).report

    columns = [f["column"] for f in report["top_features"]]
    assert set(columns) <= {"created", "industry", "employees", "job_title", "pricing_views", "noise"}
    assert columns.index("pricing_views") < columns.index("noise")
    assert columns.index("industry") < columns.index("noise")


def test_identifier_columns_are_left_out_and_listed():
    table, _truth = history_table(500)

    report = evaluate_table(table, Options(target="converted", exclude=["noise"])).report

    excluded = {e["column"]: e["reason"] for e in report["excluded_columns"]}
    assert set(excluded) == {"lead_id", "email", "noise"}
    assert "unique" in excluded["email"] and "--exclude" in excluded["noise"]
    assert {f["column"] for f in report["features"]} == {"created", "industry", "employees", "job_title", "pricing_views"}


def test_placeholder_cells_are_missing_values_not_categories():
    table, _truth = history_table(1000)

    report = evaluate_table(table, Options(target="converted")).report

    kinds = {f["column"]: f["kind"] for f in report["features"]}
    assert kinds["employees"] == "numeric"  # "Select" and "1,234" did not make it text
    assert kinds["pricing_views"] == "numeric"  # nor did "N/A"
    assert kinds["job_title"] == "categorical"


def test_a_column_that_gives_the_outcome_away_is_reported_and_kept_unless_asked():
    table, _truth = history_table(1500)
    y = table.cells["converted"]
    table = with_column(table, "deal_status", ["Closed Won" if v == "1" else "Closed Lost" for v in y])
    table = with_column(table, "is_customer", ["yes" if v == "1" else "no" for v in y])

    kept = evaluate_table(table, Options(target="converted")).report
    dropped = evaluate_table(table, Options(target="converted", drop_leaky=True)).report

    warned = {w["column"]: w for w in kept["leakage_warnings"]}
    assert set(warned) == {"deal_status", "is_customer"}
    assert warned["deal_status"]["auc"] >= 0.95
    assert "equals the target" in warned["is_customer"]["reason"]
    assert kept["auc"] > 0.99  # the leak makes the figure meaningless: hence the warning
    assert all(w["dropped"] for w in dropped["leakage_warnings"])
    assert "deal_status" not in {f["column"] for f in dropped["features"]}
    assert dropped["auc"] < 0.9


def test_an_honest_history_raises_no_leakage_warning():
    table, _truth = history_table(1500)

    assert evaluate_table(table, Options(target="converted")).report["leakage_warnings"] == []


def sales_tag(table: Table, *, accurate: float, seed: int = 1) -> list[str]:
    """A sales-outcome tag filled in after the deal: right for `accurate` of rows, noise for the rest."""
    converted = outcomes(table, np.arange(table.n_rows))
    rng = np.random.default_rng(seed)
    noise = rng.choice(["won", "lost", "open"], table.n_rows)
    return [("won" if c else "lost") if rng.random() < accurate else n for c, n in zip(converted, noise, strict=True)]


def test_a_realistic_leak_below_the_auc_bar_is_named_with_both_figures():
    table, _truth = history_table(1500)
    table = with_column(table, "sales_tag", sales_tag(table, accurate=0.75))

    report = evaluate_table(table, Options(target="converted")).report

    assert report["leakage_warnings"] == []  # alone it stays under LEAK_AUC
    [warning] = report["dominance_warnings"]
    assert warning["column"] == "sales_tag"
    assert 0.8 <= warning["auc"] < 0.95
    assert warning["auc"] >= warning["others_auc"] and 0.6 < warning["others_auc"] < 0.85


def test_an_honest_history_has_no_dominant_column_and_beats_the_base_rate():
    table, _truth = history_table(1500)

    report = evaluate_table(table, Options(target="converted")).report

    assert report["dominance_warnings"] == []
    assert report["brier_skill"] > 0 and report["no_better_than_base_rate"] is False


def test_a_model_of_noise_is_reported_as_no_better_than_the_base_rate():
    table, _truth = history_table(1500)
    coin = np.random.default_rng(9).random(table.n_rows) < 0.3
    table = Table(columns=table.columns, cells={**table.cells, "converted": np.array(["1" if c else "0" for c in coin], dtype=object)})

    report = evaluate_table(table, Options(target="converted")).report

    assert report["brier_skill"] <= NO_SKILL and report["no_better_than_base_rate"] is True
    assert report["dominance_warnings"] == []


def test_ordered_split_trains_on_the_earliest_rows_and_tests_on_the_latest():
    rows, _truth = lead_history(1200)
    shuffled = [rows[i] for i in np.random.default_rng(3).permutation(len(rows))]  # file order is not time order
    table = Table.from_rows(list(HEADERS), shuffled)

    evaluation = evaluate_table(table, Options(target="converted", split="ordered", order_by="created"))

    report = evaluation.report
    created = table.cells["created"]
    test_times = sorted(created[evaluation.test_rows])
    assert len(test_times) == 300
    assert test_times == sorted(created)[-300:]  # exactly the latest quarter
    assert report["split"]["train_range"][1] < report["split"]["test_range"][0]
    assert report["split"]["test_range"][1] == max(created)
    assert {"column": "created", "reason": "the order column (time-ordered validation)"} in report["excluded_columns"]
    assert "created" not in {f["column"] for f in report["features"]}


@pytest.mark.parametrize(
    ("name", "make", "kind"),
    [
        ("lead_number", lambda i: str(1000 + i), "number"),  # sequential: every value unique, an "identifier" to the profiler
        ("created_unix", lambda i: str(1_704_067_200 + 21_600 * i), "number"),
        ("created_text", lambda i: f"T{i:06d}", "text"),
        ("created_dayfirst", lambda i: (dt.date(2024, 1, 1) + dt.timedelta(days=i)).strftime("%d/%m/%Y"), "date"),
    ],
)
def test_an_explicit_order_column_orders_the_rows_whatever_it_holds(name, make, kind):
    rows, _truth = lead_history(800)
    order = np.random.default_rng(4).permutation(len(rows))
    table = with_column(Table.from_rows(list(HEADERS), [rows[i] for i in order]), name, [make(int(i)) for i in order])

    evaluation = evaluate_table(table, Options(target="converted", split="ordered", order_by=name))

    split = evaluation.report["split"]
    assert split["order_kind"] == kind and split["rows_without_order"] == 0
    assert sorted(order[evaluation.test_rows].tolist()) == list(range(600, 800))  # the latest quarter, by that column
    assert {"column": name, "reason": "the order column (time-ordered validation)"} in evaluation.report["excluded_columns"]


def test_an_order_column_without_values_is_refused():
    table, _truth = history_table(200)
    table = with_column(table, "empty", [""] * 200)

    with pytest.raises(DataError, match="only 0 rows have a usable 'empty' value"):
        evaluate_table(table, Options(target="converted", split="ordered", order_by="empty"))


def test_results_are_reproducible_with_the_same_seed_and_differ_with_another():
    table, _truth = history_table(700)

    first = evaluate_table(table, Options(target="converted", seed=5))
    again = evaluate_table(table, Options(target="converted", seed=5))
    other = evaluate_table(table, Options(target="converted", seed=6))

    assert first.report["model"] == "gradient_boosting"
    assert first.report["auc"] == again.report["auc"]
    assert first.test_rows.tolist() == again.test_rows.tolist()
    assert first.test_rows.tolist() != other.test_rows.tolist()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (Options(target="convrted"), "no column 'convrted' for the target; did you mean 'converted'"),
        (Options(target="converted", exclude=["nope"]), "no column 'nope' for --exclude"),
        (Options(target="converted", split="ordered"), "--split ordered needs --order-by"),
        (Options(target="converted", split="sideways"), "unknown split"),
        (Options(target="industry"), "has 4 different values"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(options, message):
    table, _truth = history_table(200)

    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        evaluate_table(table, options)


def test_column_names_match_whatever_the_case_spacing_or_yeh():
    table, _truth = history_table(300)
    table = Table(columns=[*table.columns[:-1], "خريد"], cells={**table.cells, "خريد": table.cells["converted"]})

    report = evaluate_table(table, Options(target="خرید", exclude=[" NOISE"])).report

    assert report["target"] == "خريد"
    assert {"column": "noise", "reason": "excluded with --exclude"} in report["excluded_columns"]


def test_too_few_rows_or_too_few_of_one_outcome_are_refused():
    small, _truth = history_table(49)
    rare = Table.from_dict({"views": [str(i % 9) for i in range(400)], "won": ["yes" if i % 50 == 0 else "no" for i in range(400)]})

    with pytest.raises(DataError, match="only 49 rows have a 'converted' value; at least 50"):
        evaluate_table(small, Options(target="converted"))
    with pytest.raises(DataError, match="only 8 rows have the rarer outcome of 'won'; at least 10"):
        evaluate_table(rare, Options(target="won"))


def test_one_class_target_is_refused():
    table = Table.from_dict({"views": [str(i % 7) for i in range(80)], "bought": ["no"] * 80})

    with pytest.raises(DataError, match="only one value"):
        evaluate_table(table, Options(target="bought"))


def test_ordered_split_whose_latest_rows_hold_one_outcome_is_refused():
    n = 200
    table = Table.from_dict({
        "when": [f"2024-01-{1 + i // 10:02d}" for i in range(n)],
        "views": [str(i % 5) for i in range(n)],
        "won": ["1" if i % 3 == 0 and i < 140 else "0" for i in range(n)],
    })

    with pytest.raises(DataError, match="the latest 25% of rows by 'when' have 0 with won = '1'"):
        evaluate_table(table, Options(target="won", split="ordered", order_by="when"))
