"""/api/v1/attribution: which channels and campaigns earn the conversions, under one
attribution model or all four side by side."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from sarnakh.core.api import ErrorOut
from sarnakh.core.api_types import IsoDate
from sarnakh.core.errors import ValidationFailed
from sarnakh.tracking.reports import attribution
from sarnakh.tracking.reports.attribution_credit import FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED

# Operation ids keep the module path they were published under (core.api.SarnakhAPI).
PUBLISHED_AS = "sarnakh.tracking.api_attribution"
router = Router(tags=["attribution"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
PLACES = 4

ModelName = Literal["first_touch", "last_touch", "linear", "u_shaped"]
ConversionName = Literal["created", "mql", "customer"]
GroupName = Literal["channel", "campaign"]

_MODEL_HELP = (
    "first_touch: all credit to the first touch; last_touch: all to the last; linear: equal shares; "
    "u_shaped: 40% first, 40% last, 20% split over the touches between (50/50 with two touches)."
)
_CONVERSION_HELP = (
    "created: the contact was created; mql / customer: the contact's first move to that lifecycle stage. "
    "Only contacts that were not merged into another count."
)
_GROUP_HELP = "channel (e.g. organic_search, email) or campaign (utm_campaign; \"(none)\" when a touch had none)."
_SINCE_HELP = "First day of the period (YYYY-MM-DD, inclusive, in the server's time zone). Default: 90 days before `until`."
_UNTIL_HELP = "Day after the last day of the period (YYYY-MM-DD, exclusive). Default: tomorrow, so the period includes today."


class PeriodQuery(Schema):
    conversion: ConversionName = Field("created", description=_CONVERSION_HELP)
    group_by: GroupName = Field("channel", description=_GROUP_HELP)
    since: IsoDate | None = Field(None, description=_SINCE_HELP)
    until: IsoDate | None = Field(None, description=_UNTIL_HELP)


class AttributionQuery(PeriodQuery):
    model: ModelName = Field("linear", description=_MODEL_HELP)


class AttributionRowOut(Schema):
    key: str = Field(description="Channel key or campaign name.")
    conversions: float = Field(description="Conversions credited to this key (fractional), rounded to 4 decimals.")
    touches: int = Field(description="Touches (sessions, or a contact's stored first touch when it had none) with this key.")
    share: float = Field(description="conversions ÷ total_conversions, 0–1, rounded to 4 decimals.")


class AttributionOut(Schema):
    model: str
    conversion: str
    group_by: str
    since: dt.date
    until: dt.date = Field(description="Exclusive.")
    total_conversions: int = Field(description="Conversions in the period; the rows' conversions add up to it.")
    rows: list[AttributionRowOut] = Field(description="Largest credit first.")


class ModelCreditOut(Schema):
    conversions: float = Field(description="Credited conversions under this model, rounded to 4 decimals.")
    share: float = Field(description="Share of all conversions under this model, 0–1.")


class ComparisonRowOut(Schema):
    key: str
    touches: int
    first_touch: ModelCreditOut
    last_touch: ModelCreditOut
    linear: ModelCreditOut
    u_shaped: ModelCreditOut


class ComparisonOut(Schema):
    conversion: str
    group_by: str
    since: dt.date
    until: dt.date = Field(description="Exclusive.")
    total_conversions: int
    models: list[str] = Field(description="The models compared, in column order.")
    rows: list[ComparisonRowOut] = Field(description="Largest linear credit first.")


def _period(query: PeriodQuery) -> tuple[dt.date, dt.date]:
    until = query.until or attribution.default_period()[1]
    since = query.since or until - dt.timedelta(days=attribution.DEFAULT_DAYS)
    if since >= until:
        raise ValidationFailed(_("The period is empty."), fields={"until": [_("Must be a later day than since.")]})
    return since, until


@router.get("/attribution", url_name="attribution", response={200: AttributionOut, **ERRORS}, summary="Conversions credited to channels or campaigns")
def attribution_report(request, query: Query[AttributionQuery]):
    """Each conversion is credited to the contact's sessions (bots excluded) that started at
    or before it, in time order, under the chosen model; a contact without such sessions
    counts its stored first-touch channel and campaign."""
    since, until = _period(query)
    report = attribution.attribution_report(
        model=query.model, conversion=query.conversion, group_by=query.group_by,
        since=attribution.day_start(since), until=attribution.day_start(until),
    )
    return {
        "model": report.model, "conversion": report.conversion, "group_by": report.group_by,
        "since": since, "until": until, "total_conversions": report.total_conversions,
        "rows": [
            {"key": r.key, "conversions": round(r.conversions, PLACES), "touches": r.touches, "share": round(r.share, PLACES)}
            for r in report.rows
        ],
    }


@router.get("/attribution/compare", url_name="attribution_compare", response={200: ComparisonOut, **ERRORS}, summary="All four attribution models side by side")
def attribution_compare(request, query: Query[PeriodQuery]):
    since, until = _period(query)
    report = attribution.attribution_comparison(
        conversion=query.conversion, group_by=query.group_by, since=attribution.day_start(since), until=attribution.day_start(until)
    )
    models = [FIRST_TOUCH, LAST_TOUCH, LINEAR, U_SHAPED]
    return {
        "conversion": report.conversion, "group_by": report.group_by, "since": since, "until": until,
        "total_conversions": report.total_conversions, "models": models,
        "rows": [
            {
                "key": r.key, "touches": r.touches,
                **{m: {"conversions": round(r.conversions[m], PLACES), "share": round(r.shares[m], PLACES)} for m in models},
            }
            for r in report.rows
        ],
    }
