"""Geometry of the report's charts, drawn as inline SVG by the template (no ORM, no text),
like segments' membership chart and scoring's histograms: one stacked bar per bucket (the
first 48 hours hourly, then daily), human at the bottom and machine on top, buckets read
left to right (oldest first) in both languages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

WIDTH, HEIGHT = 640, 170
PAD_TOP, PAD_BOTTOM, PAD_SIDE = 18, 22, 6
LABELS = 6  # bucket labels under the axis


def _f(value: float) -> str:
    return f"{value:.1f}"


def stacked_bars(series: Sequence[Mapping[str, Any]], *, human: str, machine: str) -> dict[str, Any]:
    """Bars for `series` rows (each with "at", "size" and the two counts named `human`
    and `machine`); `top` is the tallest bar's total, 0 for a chart with nothing in it."""
    plot_w = WIDTH - 2 * PAD_SIDE
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    base = HEIGHT - PAD_BOTTOM
    chart = {"width": WIDTH, "height": HEIGHT, "base": base, "pad": PAD_SIDE, "axis_end": WIDTH - PAD_SIDE,
             "text_y": HEIGHT - 6, "bars": [], "top": 0}
    if not series:
        return chart
    top = max(row[human] + row[machine] for row in series)
    scale = plot_h / (top or 1)
    slot = plot_w / len(series)
    every = max(1, round(len(series) / LABELS))
    for i, row in enumerate(series):
        h_human, h_machine = row[human] * scale, row[machine] * scale
        x = PAD_SIDE + i * slot
        chart["bars"].append({
            "at": row["at"], "size": row["size"], "human": row[human], "machine": row[machine],
            "x": _f(x + 0.5), "w": _f(max(slot - 1, 0.5)),
            "y_human": _f(base - h_human), "h_human": _f(h_human),
            "y_machine": _f(base - h_human - h_machine), "h_machine": _f(h_machine),
            "mid": _f(x + slot / 2), "labelled": i % every == 0,
        })
    chart["top"] = top
    return chart
