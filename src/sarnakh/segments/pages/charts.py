"""Geometry of the membership chart, drawn as inline SVG by the template (no ORM, no text):
one bar per day, members at the end of the day; days read left to right (oldest first)
in both languages, like the scoring histograms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 640, 170
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 18, 22, 6
LABELS = 6  # day labels under the axis


def _f(value: float) -> str:
    return f"{value:.1f}"


def membership_bars(series: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    plot_w = WIDTH - 2 * PAD_SIDE
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    base = HEIGHT - PAD_BOTTOM
    chart = {"width": WIDTH, "height": HEIGHT, "base": base, "pad": PAD_SIDE, "axis_end": WIDTH - PAD_SIDE,
             "text_y": HEIGHT - 6, "bars": [], "top": 0}
    if not series:
        return chart
    top = max(row["count"] for row in series) or 1
    slot = plot_w / len(series)
    every = max(1, round(len(series) / LABELS))
    for i, row in enumerate(series):
        h = row["count"] / top * plot_h
        x = PAD_SIDE + i * slot
        labelled = (len(series) - 1 - i) % every == 0  # today always has its label
        chart["bars"].append({
            **row, "x": _f(x + 0.5), "w": _f(max(slot - 1, 0.5)), "y": _f(base - h), "h": _f(h),
            "mid": _f(x + slot / 2), "labelled": labelled,
        })
    chart["top"] = max(row["count"] for row in series)
    return chart
