"""The backtest page: replay a model over past months, the volume/conversion trade-off
chart (inline SVG drawn here, read low → high from left to right in both languages) and
the threshold suggested for the volume agreed with sales."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.core.nice_numbers import nice_step
from sarnakh.core.ui.formatting import format_number, format_percent, is_persian
from sarnakh.core.ui.permissions import require
from sarnakh.scoring.backtest.selectors import MAX_MONTHS, scoring_backtest
from sarnakh.scoring.models import ScoringModel

# Drawn at the width of its card (the SVG scales to 100%); the pads leave room for the
# longest tick labels in either language (۱۲٫۵٪) so none is clipped.
CHART_W, CHART_H = 960, 340
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 64, 28, 24, 46
LABEL_ROOM = 120  # what a point's label ("suggested: 15") needs beside it


class BacktestForm(forms.Form):
    model = forms.ChoiceField(label=gettext_lazy("Model"))
    months = forms.IntegerField(label=gettext_lazy("Months back"), min_value=1, max_value=MAX_MONTHS, initial=6)
    target = forms.IntegerField(label=gettext_lazy("Target MQLs a month"), min_value=1, max_value=1_000_000, required=False)

    def __init__(self, *args: Any, models: Sequence[ScoringModel], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(m.key, _(m.name)) for m in models]


def pct(rate: float | None) -> str:
    """A rate as a percentage with one decimal, in the reader's digits; a dash for none."""
    if rate is None:
        return "—"
    return format_number(rate * 100, 1) + ("٪" if is_persian() else "%")


def figure(value: float | int) -> str:
    return format_number(round(value, 1) if isinstance(value, float) else value)


def _nice_ticks(high: float, count: int = 5) -> list[float]:
    if high <= 0:
        return [0.0]
    step = nice_step(high / count, (1, 2, 2.5, 5))
    # The last tick reaches past the highest value: at most count + 1 steps of `step`.
    return [round(i * step, 9) for i in range(count + 2) if i == 0 or (i - 1) * step < high - 1e-9]


def _tick_pct(rate: float) -> str:
    return format_percent(rate, 1, ratio=True)


def _anchor(side: str) -> str:
    """The text-anchor that puts a label on `side` ("start": to the right of x) whatever the
    text's direction: Persian labels are drawn right to left, where start is their right end."""
    if not is_persian():
        return side
    return "end" if side == "start" else "start"


def tradeoff_chart(curve: Sequence[dict], *, target: float | None, current: Any, suggested: Any) -> dict[str, Any]:
    """Geometry of the trade-off chart: x = MQLs a month, y = MQL → customer rate, one point
    per threshold (joined in threshold order), the target volume as a vertical line."""
    points = [p for p in curve if p["mqls"]]
    plot_w, plot_h = CHART_W - PAD_LEFT - PAD_RIGHT, CHART_H - PAD_TOP - PAD_BOTTOM
    base = PAD_TOP + plot_h
    x_ticks = _nice_ticks(max([p["per_month"] for p in points] + [target or 0, 1]) * 1.05)
    y_ticks = _nice_ticks(max([p["customer_rate"] or 0 for p in points] + [0.01]) * 1.1)
    x_high, y_high = x_ticks[-1] or 1, y_ticks[-1] or 1

    def x(value: float) -> float:
        return PAD_LEFT + value / x_high * plot_w

    def y(value: float) -> float:
        return base - value / y_high * plot_h

    dots = []
    for p in points:
        rate = p["customer_rate"] or 0
        dots.append({
            "x": f"{x(p['per_month']):.1f}", "y": f"{y(rate):.1f}", "threshold": figure(p["threshold"]),
            "per_month": figure(p["per_month"]), "rate": pct(p["customer_rate"]), "sql_rate": pct(p["sql_rate"]),
            "current": p["threshold"] == current, "suggested": suggested is not None and p["threshold"] == suggested,
            # The curve falls from left to right (higher bars: fewer, better MQLs), so a
            # label above and to the right of its point stays clear of the other points;
            # near the right edge it goes above and to the left, near the top below.
            "label_anchor": _anchor("start" if x(p["per_month"]) + LABEL_ROOM < CHART_W - PAD_RIGHT else "end"),
            "label_dx": 9 if x(p["per_month"]) + LABEL_ROOM < CHART_W - PAD_RIGHT else -9,
            "label_dy": -11 if y(rate) > PAD_TOP + 24 else 20,
        })
    return {
        "width": CHART_W, "height": CHART_H, "left": PAD_LEFT, "right": CHART_W - PAD_RIGHT, "top": PAD_TOP, "base": base,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "dots": dots,
        "x_ticks": [{"x": f"{x(t):.1f}", "label": figure(t)} for t in x_ticks],
        "y_ticks": [{"y": f"{y(t):.1f}", "label": _tick_pct(t)} for t in y_ticks],
        "target_x": f"{x(target):.1f}" if target else None,
        "target_anchor": _anchor("end" if target and x(target) > PAD_LEFT + plot_w / 2 else "start"),
        "text_direction": "rtl" if is_persian() else "ltr",
        "target_dx": -4 if target and x(target) > PAD_LEFT + plot_w / 2 else 4,
        "x_title_y": CHART_H - 4, "mid_x": PAD_LEFT + plot_w / 2,
    }


def _outcome_cells(outcome: dict | None) -> dict[str, Any] | None:
    if outcome is None:
        return None
    return {**outcome, "sql_pct": pct(outcome["sql_rate"]), "customer_pct": pct(outcome["customer_rate"])}


def _results(data: dict, target: int | None) -> dict[str, Any]:
    model, suggestion = data["model"], data["suggestion"]
    suggested = suggestion["threshold"] if suggestion else None
    show_suggested = suggested is not None and suggested != model["threshold"]
    months = [
        {
            "start": row["start"], "end": row["end"], "model": _outcome_cells(row["model"]),
            "suggested": _outcome_cells(row["suggested"]) if show_suggested else None, "recorded": _outcome_cells(row["recorded"]),
        }
        for row in data["months"]
    ]
    curve = [
        {**_outcome_cells(p), "per_month_text": figure(p["per_month"]), "threshold_text": figure(p["threshold"]),
         "current": p["threshold"] == model["threshold"], "suggested": p["threshold"] == suggested}
        for p in data["curve"]
    ]
    point = suggestion["point"] if suggestion else None
    return {
        "data": data, "months": months, "curve": curve, "show_suggested": show_suggested,
        "column_groups": ["model", "suggested", "recorded"] if show_suggested else ["model", "recorded"],
        "totals": {
            "model": _outcome_cells(model), "recorded": _outcome_cells(data["recorded"]),
            "suggested": _outcome_cells(point) if show_suggested else None,
        },
        "model_per_month": figure(model["per_month"]),
        "suggestion": suggestion and {
            **suggestion, "threshold_text": figure(suggested) if suggested is not None else "",
            "per_month": figure(point["per_month"]) if point else "", "customer_pct": pct(point["customer_rate"]) if point else "",
            "sql_pct": pct(point["sql_rate"]) if point else "", "target_text": figure(target) if target else "",
        },
        "chart": tradeoff_chart(data["curve"], target=target, current=model["threshold"], suggested=suggested),
        "engagement_bar": model["kind"] == "grade_and_engagement",
        "threshold_text": figure(model["threshold"]),
    }


@require("scoring.view")
def backtest(request: HttpRequest) -> HttpResponse:
    models = list(ScoringModel.objects.filter(current_version__isnull=False).order_by("-is_default", "name"))
    context: dict[str, Any] = {"scoring_tab": "backtest", "has_models": bool(models)}
    if not models:
        return render(request, "scoring/backtest.html", context)
    params = {"model": models[0].key, "months": "6", "target": ""}
    params.update({k: request.GET[k] for k in params if k in request.GET})
    form = BacktestForm(params, models=models)
    context["form"] = form
    if form.is_valid():
        target = form.cleaned_data["target"]
        result = scoring_backtest(model_key=form.cleaned_data["model"], months=form.cleaned_data["months"], target_per_month=target)
        context.update(_results(result.to_dict(), target))
        context["in_use_version"] = figure(result.version) if isinstance(result.version, int) else result.version
    return render(request, "scoring/backtest.html", context, status=200 if form.is_valid() else 422)
