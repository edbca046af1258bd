"""Chart geometry and bucket plans (pure): whole-number buckets that hold every value,
the bar's place on a histogram, and diverging bars around one zero line."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sarnakh.scoring import charts
from sarnakh.scoring.distribution import bucket_plan


def test_bucket_plans_are_round_and_hold_the_whole_range():
    assert bucket_plan(Decimal(0), Decimal(100), 10) == (0, 10, 10)  # 100 sits in the last bucket
    assert bucket_plan(Decimal(-12), Decimal(88), 10) == (-20, 20, 6)
    assert bucket_plan(Decimal("0.5"), Decimal("3.25"), 10) == (0, 1, 4)  # never narrower than one point
    assert bucket_plan(Decimal(7), Decimal(7), 10) == (7, 1, 1)
    start, width, count = bucket_plan(Decimal(0), Decimal(1234), 7)
    assert count <= 7 and start + width * count >= 1234 and width in (200, 500)


def test_one_bucket_across_zero_ends_instead_of_widening_forever():
    # given the demo's lowest score below zero and one bucket asked for (this looped forever)
    start, width, count = bucket_plan(Decimal("-5.51"), Decimal(100), 1)
    # then one bucket starts at the lowest whole value and holds the top
    assert (start, count) == (-6, 1) and start + width >= 100


@pytest.mark.parametrize("buckets", [1, 2, 3, 7, 10, 50])
@pytest.mark.parametrize(
    "low, high", [("-5.51", "100"), ("-1000", "-999.5"), ("-0.01", "0.01"), ("-250", "3"), ("0", "0"), ("-99999", "99999")]
)
def test_every_plan_ends_and_holds_its_range(low, high, buckets):
    start, width, count = bucket_plan(Decimal(low), Decimal(high), buckets)
    assert 1 <= count <= buckets and width >= 1
    assert start <= Decimal(low) and start + width * count >= Decimal(high)


def test_a_histogram_places_the_bar_between_its_buckets():
    buckets = [{"start": s, "end": s + 10, "count": n} for s, n in ((0, 4), (10, 0), (20, 2), (30, 1))]
    chart = charts.histogram(buckets, bar=20)
    assert [b["count"] for b in chart["bars"]] == [4, 0, 2, 1]
    assert float(chart["bars"][1]["h"]) == 0 and float(chart["bars"][0]["h"]) > float(chart["bars"][2]["h"])
    assert float(chart["bar_x"]) == charts.HIST_PAD_SIDE + (charts.HIST_WIDTH - 2 * charts.HIST_PAD_SIDE) / 2
    assert charts.histogram([], bar=5)["bar_x"] is None


def test_rule_totals_sum_items_per_rule_and_bars_diverge_from_one_zero():
    items = [
        {"rule": "pricing", "label": "Pricing", "dimension": "engagement", "points": 15},
        {"rule": "pricing", "label": "Pricing", "dimension": "engagement", "points": 14.5},
        {"rule": "unsub", "label": "Unsubscribed", "dimension": "engagement", "points": -50},
        {"rule": "title", "label": "Title", "dimension": "fit", "points": 20},
        {"rule": "cap", "label": "Capped", "dimension": "engagement", "points": 0},
    ]
    rows = charts.rule_totals(items)
    assert [(r["rule"], r["points"], r["items"]) for r in rows] == [
        ("unsub", Decimal(-50), 1), ("pricing", Decimal("29.5"), 2), ("title", Decimal(20), 1),
    ]
    chart = charts.diverging_bars(rows, width=100)
    zero = float(chart["zero"])
    unsub, pricing, _title = chart["rows"]
    assert unsub["negative"] and abs(float(unsub["x"]) + float(unsub["w"]) - zero) < 0.2
    assert not pricing["negative"] and float(pricing["x"]) == zero and float(unsub["w"]) > float(pricing["w"])
