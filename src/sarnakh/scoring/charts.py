"""Geometry of the scoring charts drawn as inline SVG by the templates (no ORM, no text):
histograms with a marker line for the qualification bar, and the score card's diverging
bars per rule. Charts read low → high from left to right in both languages."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

HIST_WIDTH, HIST_HEIGHT = 480, 170
HIST_PAD_TOP, HIST_PAD_BOTTOM, HIST_PAD_SIDE = 18, 22, 6
BREAKDOWN_WIDTH, BREAKDOWN_HEIGHT = 180, 14


def _f(value: float) -> str:
    return f"{value:.1f}"


def histogram(buckets: Sequence[Mapping[str, Any]], *, bar: Any = None) -> dict[str, Any]:
    """Bars for `[{"start", "end", "count"}…]` (even widths) and the x of `bar`, if any."""
    plot_w = HIST_WIDTH - 2 * HIST_PAD_SIDE
    plot_h = HIST_HEIGHT - HIST_PAD_TOP - HIST_PAD_BOTTOM
    base = HIST_HEIGHT - HIST_PAD_BOTTOM
    if not buckets:
        return {"width": HIST_WIDTH, "height": HIST_HEIGHT, "bars": [], "bar_x": None, "base": base}
    top = max(b["count"] for b in buckets) or 1
    slot = plot_w / len(buckets)
    bars = []
    for i, bucket in enumerate(buckets):
        h = bucket["count"] / top * plot_h
        x = HIST_PAD_SIDE + i * slot
        bars.append({
            **bucket, "x": _f(x + 1), "w": _f(max(slot - 2, 1)), "y": _f(base - h), "h": _f(h),
            "mid": _f(x + slot / 2), "label_y": _f(max(base - h - 4, 10)),
        })
    bar_x = None
    if bar is not None and "start" in buckets[0]:
        low, high = Decimal(str(buckets[0]["start"])), Decimal(str(buckets[-1]["end"]))
        if high > low:
            share = (Decimal(str(bar)) - low) / (high - low)
            bar_x = _f(HIST_PAD_SIDE + float(min(max(share, Decimal(0)), Decimal(1))) * plot_w)
    return {"width": HIST_WIDTH, "height": HIST_HEIGHT, "bars": bars, "bar_x": bar_x, "base": base,
            "axis_end": HIST_WIDTH - HIST_PAD_SIDE, "pad": HIST_PAD_SIDE, "text_y": HIST_HEIGHT - 6}


def grade_histogram(counts: Mapping[str, int], grades: Sequence[str], *, min_grade: str | None = None) -> dict[str, Any]:
    """One bar per grade, best first; the bar line after `min_grade` (those left of it qualify)."""
    chart = histogram([{"label": g, "count": counts.get(g, 0)} for g in grades])
    if min_grade in grades and chart["bars"]:
        slot = (HIST_WIDTH - 2 * HIST_PAD_SIDE) / len(grades)
        chart["bar_x"] = _f(HIST_PAD_SIDE + (grades.index(min_grade) + 1) * slot)
    return chart


def rule_totals(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A score breakdown summed per rule: [{rule, label, dimension, points}], largest first."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for item in items:
        key = (item["dimension"], item["rule"])
        row = totals.setdefault(key, {"rule": item["rule"], "label": item["label"], "dimension": item["dimension"], "points": Decimal(0), "items": 0})
        row["points"] += Decimal(str(item["points"]))
        row["items"] += 1
    rows = [r for r in totals.values() if r["points"] != 0]
    return sorted(rows, key=lambda r: (-abs(r["points"]), r["dimension"], r["rule"]))


def diverging_bars(rows: Sequence[Mapping[str, Any]], *, width: int = BREAKDOWN_WIDTH) -> dict[str, Any]:
    """x/width of each row's bar around one zero line shared by all rows."""
    positive = max((r["points"] for r in rows if r["points"] > 0), default=Decimal(0))
    negative = max((-r["points"] for r in rows if r["points"] < 0), default=Decimal(0))
    span = positive + negative or Decimal(1)
    zero = float(negative / span) * (width - 2) + 1
    bars = []
    for row in rows:
        length = float(abs(row["points"]) / span) * (width - 2)
        x = zero - length if row["points"] < 0 else zero
        bars.append({**row, "x": _f(x), "w": _f(max(length, 1.0)), "negative": row["points"] < 0})
    return {"width": width, "height": BREAKDOWN_HEIGHT, "zero": _f(zero), "rows": bars}
