"""GET /api/v1/scoring/distribution: how a model's stored scores spread over the contacts
(histograms of combined and engagement scores, counts per grade, the bar). Mounted at "/"."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from sarnakh.core.api import ErrorOut
from sarnakh.scoring import distribution

router = Router(tags=["scoring"])
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Number = int | float


class DistributionQuery(Schema):
    model: str = Field("", description="A model key; empty for the default model")
    buckets: int = Field(distribution.DEFAULT_BUCKETS, ge=1, le=distribution.MAX_BUCKETS, description="At most this many buckets per histogram")


class BucketOut(Schema):
    start: int
    end: int
    count: int


class HistogramOut(Schema):
    width: int
    buckets: list[BucketOut]


class QualificationOut(Schema):
    kind: str
    min_grade: str
    min_engagement: Number
    min_combined: Number


class BarsOut(Schema):
    score: Number | None
    engagement: Number | None
    grade: str | None


class DistributionOut(Schema):
    model: str
    version: int
    total: int
    qualified: int
    under_bar: int
    fell_below: int
    qualification: QualificationOut
    bars: BarsOut
    score: HistogramOut
    engagement: HistogramOut
    grades: dict[str, int]


@router.get("/scoring/distribution", response={200: DistributionOut, **ERRORS}, summary="How a model's scores spread over the contacts")
def score_distribution(request, query: Query[DistributionQuery]):
    """Counts of scored contacts per combined-score bucket and per engagement bucket
    (whole-number widths of 1, 2 or 5 × 10ⁿ, start inclusive, the last also holds its end),
    per grade, and over / under the model's bar (`fell_below`: of those under it, how many
    had qualified before). `bars` places the bar on the histogram it applies to."""
    return distribution.score_distribution(model=query.model or None, buckets=query.buckets)
