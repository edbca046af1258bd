"""The predictive page in a marketer's words: one sentence on how much better than
average the top of the ranking converts (or plainly that the model is no better than the
base rate), and the lift per decile with runs of empty deciles merged.

Presentation only: it reads the figures the trained model's report already holds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sarnakh.core.ui.formatting import format_number, format_percent

NO_BETTER_LIFT = 1.2  # the top tenth converting less than this many times the average is no ranking
FEW_POSITIVES = 20  # fewer test contacts who reached the stage than this: say the figures are rough


def _totals(deciles: list[dict[str, Any]]) -> tuple[int, int]:
    return sum(d.get("rows") or 0 for d in deciles), sum(d.get("positives") or 0 for d in deciles)


def brier_skill(report: dict[str, Any]) -> float | None:
    """1 − Brier / Brier of always predicting the base rate: ≤ 0 is no better than that."""
    brier, reference = report.get("brier"), report.get("brier_reference")
    if brier is None or not reference:
        return None
    return 1 - brier / reference


def headline(report: dict[str, Any], stage: str) -> dict[str, Any]:
    """{"better": bool | None, "sentences": [...]} for the top of the page."""
    deciles = report.get("lift_by_decile") or []
    rows, positives = _totals(deciles)
    if not deciles or not rows:
        return {"better": None, "sentences": [_("The test contacts were too few to measure this model.")]}
    average = positives / rows
    top = deciles[0]
    lift = top.get("lift") or 0.0
    skill = brier_skill(report)
    if positives == 0 or lift < NO_BETTER_LIFT or (skill is not None and skill <= 0):
        sentences = [
            _("This score is no better than giving every lead the same chance of reaching %(stage)s (%(rate)s): don't rank leads by it yet.")
            % {"stage": stage, "rate": format_percent(average, 1, ratio=True)}
        ]
        if skill is not None and skill <= 0:
            sentences.append(_("Its probabilities are no closer to what happened than that average is."))
        return {"better": False, "sentences": sentences}
    sentences = [
        _("The top %(tenth)s of leads by this score reached %(stage)s %(lift)s× as often as average (%(top)s against %(average)s).")
        % {"tenth": format_percent(10, 0), "stage": stage, "lift": format_number(round(lift, 1)), "top": format_percent(top.get("rate"), 1, ratio=True),
           "average": format_percent(average, 1, ratio=True)}
    ]
    half = next((d for d in deciles if (d.get("cumulative_capture") or 0) >= 0.5), None)
    if half is not None:
        sentences.append(
            _("The top %(share)s of leads held %(capture)s of those who reached %(stage)s.")
            % {"share": format_percent(half["decile"] * 10, 0), "capture": format_percent(half["cumulative_capture"], 0, ratio=True), "stage": stage}
        )
    if positives < FEW_POSITIVES:
        sentences.append(
            ngettext(
                "Measured on only %(n)s test contact who reached it, so take this as a rough guide.",
                "Measured on only %(n)s test contacts who reached it, so take this as a rough guide.",
                positives,
            ) % {"n": format_number(positives)}
        )
    return {"better": True, "sentences": sentences}


def lift_rows(bars: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The decile bars, with each run of two or more deciles where nobody reached the stage
    merged into one row ("Deciles 6–10") instead of a wall of 0×."""
    rows: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []

    def flush() -> None:
        if len(run) >= 2:
            rows.append({
                "empty": True, "first": run[0]["decile"], "last": run[-1]["decile"],
                "rows": sum(b["rows"] for b in run), "deciles": [b["decile"] for b in run],
            })
        else:
            rows.extend({**b, "empty": False} for b in run)
        run.clear()

    for bar in bars:
        if not bar.get("positives"):
            run.append(bar)
            continue
        flush()
        rows.append({**bar, "empty": False})
    flush()
    return rows
