"""/api/v1/scoring/backtest: replay a model (or draft rules) over past months, the
threshold sweep and a suggested bar. It changes nothing: GET (a stored model) takes a
read key; POST (draft rules in the body) takes a write key like every non-GET call and
like the draft preview. Mounted at "/" by sarnakh.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import InputSchema
from sarnakh.scoring.backtest.selectors import MAX_MONTHS, scoring_backtest

router = Router(tags=["scoring"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
Number = int | float


class BacktestIn(InputSchema):
    model: str = Field("", description="scoring model key; empty: the default model")
    spec: dict[str, Any] | None = Field(None, description="draft rules for that model (same shape as PUT /scoring/models/{key})")
    months: int = Field(6, ge=1, le=MAX_MONTHS)
    target_per_month: float | None = Field(None, gt=0, le=1_000_000, description="MQLs a month agreed with sales")


class OutcomeOut(Schema):
    mqls: int
    sql: int
    customers: int
    already_sql: int
    sql_rate: float | None
    customer_rate: float | None


class BacktestModelOut(OutcomeOut):
    key: str
    name: str
    kind: str
    bar_field: str
    threshold: Number
    per_month: float


class PointOut(OutcomeOut):
    threshold: Number
    per_month: float


class MonthOut(Schema):
    start: dt.datetime
    end: dt.datetime
    model: OutcomeOut
    in_use: OutcomeOut
    suggested: OutcomeOut | None
    recorded: OutcomeOut


class SuggestionOut(Schema):
    threshold: Number | None
    meets_target: bool
    target_per_month: float
    point: PointOut | None


class BacktestOut(Schema):
    computed_at: dt.datetime
    start: dt.datetime
    end: dt.datetime
    contacts: int
    draft: bool
    in_use_version: int
    model: BacktestModelOut
    in_use: BacktestModelOut
    recorded: OutcomeOut
    months: list[MonthOut]
    curve: list[PointOut]
    suggestion: SuggestionOut | None


@router.get("/scoring/backtest", response={200: BacktestOut, **ERRORS}, summary="Replay a scoring model over past months")
def backtest(
    request, model: str = "", months: int = Query(6, ge=1, le=MAX_MONTHS),
    target_per_month: float | None = Query(None, gt=0, le=1_000_000),
):
    """Would-be MQLs per month and how many went on to SQL and customer afterwards under
    the model's current rules (default: the default model), beside the stage history; the
    volume and conversion at each threshold of the model's bar; with `target_per_month`,
    the threshold that meets the volume with the best MQL → customer rate."""
    return scoring_backtest(model_key=model or None, months=months, target_per_month=target_per_month).to_dict()


@router.post(
    "/scoring/backtest", auth=write_auth, response={200: BacktestOut, **ERRORS}, summary="Replay draft rules over past months",
)
def backtest_draft(request, payload: BacktestIn):
    """The same for draft rules (`spec`) of a model, compared with the model in use. The
    rules are validated like a save (422 names each wrong field, e.g.
    `engagement_rules.2.points`); nothing is stored."""
    return scoring_backtest(
        model_key=payload.model or None, spec_dict=payload.spec, months=payload.months,
        target_per_month=payload.target_per_month,
    ).to_dict()
