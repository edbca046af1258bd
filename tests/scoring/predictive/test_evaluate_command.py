"""`sarnakh model evaluate --csv FILE --target COLUMN …` end to end, on files as other
tools and Persian Excel write them."""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import json

import numpy as np
import pytest

from sarnakh.scoring.predictive.commands import add_subcommands, cmd_model_evaluate, main
from tests.scoring.predictive.support import HEADERS, lead_history, write_csv

PERSIAN_HEADERS = ["شناسه", "ایمیل", "تاریخ", "صنعت", "تعداد کارکنان", "سمت", "بازدید قیمت", "نویز", "خرید کرد"]
PERSIAN_INDUSTRY = {"Software": "نرم‌افزار", "Finance": "مالی", "Retail": "خرده‌فروشی", "Education": "آموزش"}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["model", "evaluate", *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def history_csv(tmp_path):
    rows, _truth = lead_history(1200)
    return write_csv(tmp_path / "history.csv", HEADERS, rows)


def persian_rows(n: int) -> list[list[str]]:
    rows, _truth = lead_history(n)
    return [[*row[:3], PERSIAN_INDUSTRY[row[3]], *row[4:8], "بله" if row[8] == "1" else "خیر"] for row in rows]


def test_json_output_is_one_object_with_the_agreed_keys(history_csv):
    code, out, _err = run("--csv", str(history_csv), "--target", "converted", "--json")

    assert code == 0
    report = json.loads(out)
    for key in ("auc", "brier", "baseline_auc", "baseline_brier", "rows", "positives", "lift_by_decile", "reliability",
                "model", "leakage_warnings", "top_features"):
        assert key in report, key
    assert report["rows"] == 1200
    assert report["model"] == "gradient_boosting"
    assert 0.6 < report["auc"] <= 1 and 0.6 < report["baseline_auc"] <= 1
    assert len(report["lift_by_decile"]) == 10
    assert report["source"]["encoding"] == "utf-8"


def test_text_report_puts_model_and_baseline_side_by_side(history_csv):
    code, out, err = run("--csv", str(history_csv), "--target", "converted")

    assert code == 0
    assert "Read 1,200 rows × 9 columns" in err
    for heading in ("ROC AUC", "Brier score", "Lift by decile", "Calibration (model)", "Top features", "Baseline: plain logistic regression"):
        assert heading in out
    auc_line = next(line for line in out.splitlines() if line.startswith("ROC AUC"))
    assert len(auc_line.split()) == 4  # "ROC AUC", model, baseline
    assert "lead_id: id_like" in out and "email: id_like" in out


def test_windows_1256_persian_export_is_read_and_evaluated(tmp_path):
    # Persian Excel on Windows: cp1256, which has Arabic yeh (ي) rather than Persian yeh (ی)
    path = tmp_path / "leads-fa.csv"
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(PERSIAN_HEADERS)
    writer.writerows(persian_rows(800))
    path.write_bytes(text.getvalue().replace("ی", "ي").replace("\u200c", " ").encode("cp1256"))

    code, out, err = run("--csv", str(path), "--target", "خرید کرد", "--json")

    assert code == 0, err
    report = json.loads(out)
    assert report["source"]["encoding"] == "cp1256"
    assert report["positive_label"] == "بله"
    assert "صنعت" in {f["column"] for f in report["features"]}
    assert report["auc"] > 0.6


def test_utf8_bom_semicolon_persian_export_is_read_and_evaluated(tmp_path):
    path = write_csv(tmp_path / "leads-bom.csv", PERSIAN_HEADERS, persian_rows(800), encoding="utf-8-sig", delimiter=";")
    assert path.read_bytes().startswith(codecs.BOM_UTF8)

    code, out, err = run("--csv", str(path), "--target", "خرید کرد")

    assert code == 0, err
    assert "utf-8-sig, delimiter ';'" in out
    assert "positive value 'بله'" in out
    assert "شناسه: id_like" in out


def test_leakage_is_printed_before_the_figures(tmp_path):
    rows, _truth = lead_history(600)
    leaky = [[*row, "Closed Won" if row[8] == "1" else "Closed Lost"] for row in rows]
    path = write_csv(tmp_path / "leaky.csv", [*HEADERS, "deal_status"], leaky)

    code, out, _err = run("--csv", str(path), "--target", "converted")
    json_code, json_out, _ = run("--csv", str(path), "--target", "converted", "--json")

    assert code == 0 and json_code == 0
    assert out.index("LEAKAGE WARNING") < out.index("ROC AUC")
    assert "deal_status: single-column AUC 1.000" in out and "KEPT" in out
    warning = json.loads(json_out)["leakage_warnings"][0]
    assert warning["column"] == "deal_status" and warning["auc"] >= 0.95 and warning["dropped"] is False


def test_a_column_as_good_as_all_others_and_a_model_of_noise_are_said_plainly(tmp_path):
    rows, _truth = lead_history(1500)
    rng = np.random.default_rng(1)
    tagged = [[*row, ("won" if row[8] == "1" else "lost") if rng.random() < 0.75 else str(rng.choice(["won", "lost", "open"]))] for row in rows]
    leaky = write_csv(tmp_path / "tagged.csv", [*HEADERS, "sales_tag"], tagged)
    coin = write_csv(tmp_path / "coin.csv", HEADERS, [[*row[:8], "1" if rng.random() < 0.3 else "0"] for row in rows])

    code, out, _err = run("--csv", str(leaky), "--target", "converted")
    coin_code, coin_out, _ = run("--csv", str(coin), "--target", "converted")

    assert code == 0 and coin_code == 0
    assert out.index("POSSIBLE LEAK") < out.index("ROC AUC")
    line = next(line for line in out.splitlines() if "sales_tag: alone AUC" in line)
    assert "all other columns together 0." in line and "--exclude 'sales_tag'" in line
    assert "NO BETTER THAN THE BASE RATE" not in out
    assert coin_out.index("NO BETTER THAN THE BASE RATE") < coin_out.index("ROC AUC")
    assert "not meaningful" in next(line for line in coin_out.splitlines() if line.startswith("ROC AUC"))


def test_order_by_alone_means_a_time_ordered_split(history_csv):
    code, out, _err = run("--csv", str(history_csv), "--target", "converted", "--order-by", "created", "--json")

    assert code == 0
    split = json.loads(out)["split"]
    assert split["method"] == "ordered" and split["order_by"] == "created"
    assert split["train_range"][1] < split["test_range"][0]


def test_exclude_takes_several_columns_and_repeats(history_csv):
    code, out, _err = run("--csv", str(history_csv), "--target", "converted", "--exclude", "noise", "created", "--exclude", "industry", "--json")

    assert code == 0
    assert {f["column"] for f in json.loads(out)["features"]} == {"employees", "job_title", "pricing_views"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--target", "converted"], "no such file"),
        (["--target", "bought"], "no column 'bought' for the target"),
        (["--target", "industry"], "has 4 different values"),
        (["--target", "converted", "--split", "ordered"], "--split ordered needs --order-by"),
        (["--target", "converted", "--split", "random", "--order-by", "created"], "--order-by orders a time-ordered split"),
    ],
)
def test_bad_input_exits_2_with_a_message(history_csv, argv, message):
    csv_path = str(history_csv.with_name("missing.csv")) if message == "no such file" else str(history_csv)

    code, out, err = run("--csv", csv_path, *argv)

    assert code == 2
    assert out == ""
    assert err.splitlines()[-1].startswith("error: ") and message in err


def test_one_class_and_too_few_rows_exit_2(tmp_path):
    rows, _truth = lead_history(300)
    one_class = write_csv(tmp_path / "one.csv", HEADERS, [[*row[:8], "0"] for row in rows])
    few = write_csv(tmp_path / "few.csv", HEADERS, rows[:30])

    header_only = write_csv(tmp_path / "header.csv", HEADERS, [])
    assert run("--csv", str(one_class), "--target", "converted")[0] == 2
    code, _out, err = run("--csv", str(header_only), "--target", "converted")
    assert code == 2 and "header.csv has no data rows" in err
    code, _out, err = run("--csv", str(few), "--target", "converted")
    assert code == 2 and "only 30 rows" in err


def test_the_command_registers_like_the_other_cli_commands(history_csv, capsys):
    parser = argparse.ArgumentParser(prog="sarnakh")
    add_subcommands(parser.add_subparsers(dest="command", required=True))

    args = parser.parse_args(["model", "evaluate", "--csv", str(history_csv), "--target", "converted", "--json"])

    assert args.func is cmd_model_evaluate
    assert args.func(args) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1200
