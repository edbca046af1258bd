"""The evaluation report for people (a terminal) and for programs (one JSON object). Pure.

The terminal text leads with what must not be missed (a leaking column makes every
figure below it meaningless), then puts the model and the baseline side by side, since
"better than a plain logistic regression?" is the question that decides whether the
extra machinery is worth it.
"""

from __future__ import annotations

import json
import math

MODEL_NAMES = {"gradient_boosting": "gradient boosting (HistGradientBoostingClassifier)", "logistic_regression": "logistic regression"}


def _clean(value):
    """JSON has no NaN: an undefined figure is null."""
    if isinstance(value, float):
        return None if not math.isfinite(value) else round(value, 6)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def render_json(report: dict) -> str:
    return json.dumps(_clean(report), ensure_ascii=False, indent=2, allow_nan=False)


def _num(value, digits: int = 3) -> str:
    return "—" if value is None or (isinstance(value, float) and not math.isfinite(value)) else f"{value:.{digits}f}"


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _leakage_lines(report: dict) -> list[str]:
    leaks = report["leakage_warnings"]
    dominant = report.get("dominance_warnings") or []
    if not leaks and not dominant:
        return []
    bar = "!" * 78
    lines = [bar]
    if leaks:
        lines += [f"!! LEAKAGE WARNING: {len(leaks)} column(s) predict the outcome suspiciously well on their own.",
                  "!! Such a column is usually filled in after the outcome is known; the figures below are not trustworthy."]
    for leak in leaks:
        state = "dropped (--drop-leaky)" if leak.get("dropped") else "KEPT: use --exclude or --drop-leaky"
        lines.append(f"!!   {leak['column']}: single-column AUC {_num(leak['auc'])}, {leak['reason']} — {state}")
    if dominant:
        lines += [f"!! POSSIBLE LEAK: {len(dominant)} column(s) alone predict the outcome about as well as all the other columns together.",
                  "!! Check that each is known before the outcome (not a sales-outcome tag, not a call duration logged after the call)."]
    for item in dominant:
        lines.append(f"!!   {item['column']}: alone AUC {_num(item['auc'])}, all other columns together {_num(item['others_auc'])}"
                     f" — to see the model without it: --exclude {item['column']!r}")
    return [*lines, bar, ""]


def _base_rate_lines(report: dict) -> list[str]:
    if not report.get("no_better_than_base_rate"):
        return []
    skill = report.get("brier_skill")
    return [
        "NO BETTER THAN THE BASE RATE: the model's probabilities are no better than giving every row the base rate "
        f"of {_pct(report['positive_rate'])} (Brier skill {_num(skill)}: about 0 or below).",
        "These columns do not predict the outcome: the AUC, lift and calibration figures below describe noise, "
        "not a model to rank leads with.",
        "",
    ]


def _split_line(report: dict) -> str:
    split = report["split"]
    parts = (f"train {split['train_rows']:,} rows ({split['train_positives']:,} positive), "
             f"test {split['test_rows']:,} rows ({split['test_positives']:,} positive)")
    if split["method"] == "ordered":
        train_range, test_range = split["train_range"], split["test_range"]
        line = (f"Split: time-ordered by {split['order_by']!r}: {parts}; "
                f"train {train_range[0]} … {train_range[1]}, test {test_range[0]} … {test_range[1]}")
        if split.get("rows_without_order"):
            line += f"; {split['rows_without_order']:,} rows without a usable {split['order_by']!r} left out"
        return line
    return f"Split: stratified random (seed {split['seed']}): {parts}"


def render_text(report: dict, *, source: str = "") -> str:
    lines = [f"Predictive model evaluation{' — ' + source if source else ''}", ""]
    lines += _leakage_lines(report)
    lines += _base_rate_lines(report)
    lines.append(
        f"Target: {report['target']!r}, positive value {report['positive_label']!r} ({report['positive_rule']}); "
        f"{report['rows']:,} rows, {report['positives']:,} positive ({_pct(report['positive_rate'])})"
    )
    if report["rows_without_target"]:
        lines.append(f"  {report['rows_without_target']:,} rows without a target value left out")
    lines.append(_split_line(report))
    lines.append(f"Model: {MODEL_NAMES.get(report['model'], report['model'])}, {report['calibration']}-calibrated — {report['model_reason']}")
    lines.append("Baseline: plain logistic regression (C=1, not calibrated) on the same rows and features")
    lines.append(f"Features: {len(report['features'])} columns → {report['feature_count']} model inputs")
    lines.append("")

    flag = "   (inflated: see the leakage warning)" if report["leakage_warnings"] and not all(w.get("dropped") for w in report["leakage_warnings"]) else ""
    if not flag and report.get("dominance_warnings"):
        flag = "   (may be inflated: see the possible leak above)"
    if report.get("no_better_than_base_rate"):
        flag = "   (no better than the base rate: not meaningful)"
    lines += [
        f"{'Test rows':<14}{'model':>10}{'baseline':>10}",
        f"{'ROC AUC':<14}{_num(report['auc']):>10}{_num(report['baseline_auc']):>10}{flag}",
        f"{'Brier score':<14}{_num(report['brier'], 4):>10}{_num(report['baseline_brier'], 4):>10}"
        f"   (predicting the base rate: {_num(report['brier_reference'], 4)}; lower is better)",
        f"{'Brier skill':<14}{_num(report.get('brier_skill')):>10}{_num(report.get('baseline_brier_skill')):>10}"
        "   (1 − Brier / base-rate Brier; about 0 or below: no better than the base rate)",
        "",
        "Lift by decile (test rows ranked by score, best first)",
        f"{'decile':>6}{'rows':>8}{'positive':>10}{'rate':>9}{'lift':>7}{'capture':>9}   {'baseline lift':>13}{'capture':>9}",
    ]
    for ours, theirs in zip(report["lift_by_decile"], report["baseline_lift_by_decile"], strict=False):
        lines.append(
            f"{ours['decile']:>6}{ours['rows']:>8,}{ours['positives']:>10,}{_pct(ours['rate']):>9}{_num(ours['lift'], 2):>7}"
            f"{_pct(ours['cumulative_capture']):>9}   {_num(theirs['lift'], 2):>13}{_pct(theirs['cumulative_capture']):>9}"
        )
    lines += ["", "Calibration (model): mean predicted probability vs observed rate, per probability bin",
              f"{'bin':>11}{'rows':>8}{'predicted':>11}{'observed':>10}"]
    for row in report["reliability"]:
        lines.append(f"{row['lower']:>5.1f}–{row['upper']:<5.1f}{row['count']:>8,}{_pct(row['mean_predicted']):>11}{_pct(row['observed_rate']):>10}")
    lines += ["", f"Top features ({report['top_features_method']})"]
    for rank, feature in enumerate(report["top_features"], start=1):
        detail = f"   strongest: {feature['strongest']} ({feature['direction']})" if "strongest" in feature else ""
        lines.append(f"{rank:>3}. {feature['column']:<30}{feature['importance']:>9.4f}{detail}")
    if report["excluded_columns"]:
        lines += ["", "Not used:"]
        lines += [f"  {item['column']}: {item['reason']}" for item in report["excluded_columns"]]
    seconds = report["seconds"]
    lines += ["", f"Time: {seconds['total']:.1f} s (preparing {seconds['prepare']:.1f} s, training {seconds['train']:.1f} s)"]
    warned = [w["column"] for w in [*report["leakage_warnings"], *(report.get("dominance_warnings") or [])]]
    if warned:
        lines.append(f"Reminder: leakage warnings above for {', '.join(warned)}.")
    if report.get("no_better_than_base_rate"):
        lines.append("Reminder: this model is no better than predicting the base rate.")
    return "\n".join(lines) + "\n"


def render_own_data_text(report: dict) -> str:
    """`sarnakh model train`: what was learned from, then the evaluation report."""
    own = report["own_data"]
    reached = ", ".join(own["reached_stages"])
    lines = [
        f"Predictive model #{report.get('model_id', '—')} on Sarnakh's own data — target: reaching {own['target_stage']!r}"
        + (f" (or a later stage: {reached})" if len(own["reached_stages"]) > 1 else ""),
        f"Contacts: {own['contacts']:,}; learned from {own['labelled']:,} created before {own['created_before'][:10]} "
        f"({own['positives']:,} reached the target); {own['too_recent']:,} too recent and "
        f"{own['created_at_target']:,} created at the target are scored but not learned from",
        f"Leakage guard: features as of — {own['as_of_rule']}; {own['rewound_values']:,} property values set after "
        "the outcome were replaced by their earlier value; stage, lead status, owner and scores are never features",
        f"Final model: refitted on all {report['final_model']['train_rows']:,} labelled rows; "
        f"{report.get('scored', 0):,} contacts scored; contributions: {report['contributions']['method']}",
        "",
    ]
    seconds = report["seconds"]
    body = render_text(report, source="Sarnakh contacts, time-ordered by created_at")
    return "\n".join(lines) + body + (
        f"Rows built in {seconds.get('build_rows', 0):.1f} s; final fit {seconds.get('final_fit', 0):.1f} s; "
        f"scoring and explaining {seconds.get('scoring', 0):.1f} s\n"
    )
