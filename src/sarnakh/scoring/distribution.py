"""How a model's stored scores spread over the contacts: histograms of the combined and
engagement scores and the count per grade, with the qualification bar.

Everything is counted in SQL (one aggregate for the totals and ranges, one GROUP BY per
histogram, buckets as FLOOR((score - start) / width)); Python only lays out the at most
`buckets` rows that come back.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Floor

from sarnakh.core.nice_numbers import nice_step
from sarnakh.scoring.engine.qualification import GRADES
from sarnakh.scoring.engine.result import number
from sarnakh.scoring.models import ContactScore, ScoringModel
from sarnakh.scoring.services import scoring_model_for, version_spec

DEFAULT_BUCKETS = 10
MAX_BUCKETS = 50


def _nice_width(span: Decimal, buckets: int) -> int:
    """The smallest 1-2-5 × 10ⁿ whole width that covers `span` in `buckets` buckets."""
    return round(nice_step(float(max(span / buckets, Decimal(1)))))


def _next_width(width: int) -> int:
    """The next 1-2-5 × 10ⁿ above `width` (1 → 2 → 5 → 10 …)."""
    return round(nice_step(float(width + 1)))


# Aligned starts fit within two widenings whenever there are two buckets or more (each
# widening at least doubles the width); more tries only cost time.
MAX_WIDENINGS = 4


def bucket_plan(low: Decimal, high: Decimal, buckets: int) -> tuple[int, int, int]:
    """(start, width, count): whole-number buckets [start + i·width, start + (i+1)·width)
    that hold every value from `low` to `high`, at most `buckets` of them; the last one
    also holds its upper end (0–100 in ten buckets: 90–100 holds 100).

    Starts are multiples of the width when a few widenings allow it (-12–88 in ten: from
    -20 by 20). One bucket across zero has no such start (it would begin at -width and end
    at 0), so then the buckets start at the lowest whole value instead."""
    buckets = max(1, buckets)
    width = _nice_width(high - low, buckets)
    for _ in range(MAX_WIDENINGS):
        start = math.floor(low / width) * width
        count = max(1, math.ceil((high - start) / width))
        if count <= buckets:
            return start, width, count
        width = _next_width(width)
    start = math.floor(low)
    width = _nice_width(high - start, buckets)
    return start, width, max(1, math.ceil((high - start) / width))


def _histogram(rows: QuerySet, column: str, low: Decimal, high: Decimal, buckets: int) -> dict[str, Any]:
    start, width, count = bucket_plan(low, high, buckets)
    # score - start is never negative, so FLOOR and SQLite's integer division agree.
    index = Floor((F(column) - Value(start)) / Value(width), output_field=IntegerField())
    counts = [0] * count
    for row in rows.annotate(bucket=index).values("bucket").annotate(n=Count("id")).order_by():
        position = min(max(int(row["bucket"]), 0), count - 1)
        counts[position] += row["n"]
    return {
        "width": width,
        "buckets": [{"start": start + i * width, "end": start + (i + 1) * width, "count": n} for i, n in enumerate(counts)],
    }


def _range(low: Any, high: Any, bar: Decimal | None) -> tuple[Decimal, Decimal]:
    values = [Decimal(str(v)) for v in (low, high, bar) if v is not None]
    return min(values), max(values)


def score_distribution(*, model: ScoringModel | str | None = None, buckets: int = DEFAULT_BUCKETS) -> dict[str, Any]:
    """Counts of the model's scored live contacts per combined-score bucket, per
    engagement bucket and per grade, with the bar and how many are over and under it."""
    scoring_model = scoring_model_for(model)
    spec = version_spec(scoring_model.current_version)
    q = spec.qualification
    rows = ContactScore.objects.filter(model=scoring_model, contact__merged_into__isnull=True)
    totals = rows.aggregate(
        total=Count("id"), qualified=Count("id", filter=Q(qualified=True)), fell_below=Count("id", filter=Q(below_bar=True)),
        score_min=Min("score"), score_max=Max("score"), engagement_min=Min("engagement"), engagement_max=Max("engagement"),
    )
    combined_bar = Decimal(str(q.min_combined)) if q.kind == "combined" else None
    engagement_bar = Decimal(str(q.min_engagement)) if q.kind == "grade_and_engagement" else None
    grade_bar = q.min_grade if q.kind == "grade_and_engagement" else None
    empty = {"width": 1, "buckets": []}
    if totals["total"]:
        score = _histogram(rows, "score", *_range(totals["score_min"], totals["score_max"], combined_bar), buckets)
        engagement = _histogram(rows, "engagement", *_range(totals["engagement_min"], totals["engagement_max"], engagement_bar), buckets)
    else:
        score, engagement = empty, empty
    per_grade = dict(rows.values_list("grade").annotate(n=Count("id")).order_by())
    return {
        "model": scoring_model.key, "name": scoring_model.name, "version": scoring_model.current_version.number,
        "total": totals["total"], "qualified": totals["qualified"], "under_bar": totals["total"] - totals["qualified"],
        "fell_below": totals["fell_below"],
        "qualification": {
            "kind": q.kind, "min_grade": q.min_grade, "min_engagement": number(Decimal(str(q.min_engagement))),
            "min_combined": number(Decimal(str(q.min_combined))),
        },
        "bars": {
            "score": number(combined_bar) if combined_bar is not None else None,
            "engagement": number(engagement_bar) if engagement_bar is not None else None,
            "grade": grade_bar,
        },
        "score": score,
        "engagement": engagement,
        "grades": {grade: per_grade.get(grade, 0) for grade in GRADES},
    }
