"""/api/v1/hygiene: probable duplicates (list, merge a pair, dismiss a pair), inactive contacts
(count, list, breakdown; sunset), list decay, and address flag counts."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema, Offset
from sarnakh.core.errors import ValidationFailed
from sarnakh.segments.hygiene import flags, selectors, services
from sarnakh.segments.hygiene.labels import reason_text

router = Router(tags=["hygiene"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
Limit = Annotated[int, Field(ge=1, le=500)]
Days = Annotated[int, Field(ge=selectors.MIN_INACTIVE_DAYS, le=selectors.MAX_INACTIVE_DAYS)]


class HygieneContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    company_id: int | None
    created_at: dt.datetime


class DuplicateReasonOut(Schema):
    code: str = Field(..., description="same_gmail, same_plus, same_phone, phone_format, name_company or name_domain.")
    text: str
    score: float


class DuplicatePairOut(Schema):
    a: HygieneContactOut
    b: HygieneContactOut
    score: float = Field(..., description="0–100: the strongest reason, a little more for each one that agrees.")
    reasons: list[DuplicateReasonOut]
    default_survivor_id: int = Field(..., description="The older record, kept by default when merging.")


class DuplicatePageOut(Schema):
    total: int = Field(..., description="Candidate pairs found in this run (at most the run's bound).")
    contacts: int
    blocks: int
    comparisons: int
    truncated: bool = Field(..., description="A bound was reached: some pairs may be missing.")
    items: list[DuplicatePairOut]


class DuplicateMergeIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    survivor_id: DbId
    loser_id: DbId


class DuplicateMergeOut(Schema):
    survivor_id: int
    loser_id: int


class DuplicateDismissIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    contact_ids: list[DbId] = Field(..., description="The two contacts that are different people.")


class DuplicateDismissOut(Schema):
    contact_ids: list[int]
    dismissed_at: dt.datetime


class CountByOut(Schema):
    key: str
    count: int


class InactiveOut(Schema):
    days: int
    count: int
    by_source_type: list[CountByOut]
    by_channel: list[CountByOut]
    items: list[HygieneContactOut]


class SunsetIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    contact_ids: list[DbId] = Field(..., description=f"At most {services.MAX_SUNSET}; ids not inactive are skipped.")
    days: Days = selectors.DEFAULT_INACTIVE_DAYS
    move_to_cold: bool = True
    unsubscribe: bool = False


class SunsetOut(Schema):
    moved: int
    unsubscribed: int
    skipped: int


class DecayRowOut(Schema):
    key: str
    marketable: int
    unsubscribed: int
    inactive: int
    decayed: int
    rate: float | None = Field(..., description="Decayed ÷ marketable, in percent.")


class DecayOut(Schema):
    since: dt.datetime
    until: dt.datetime
    inactive_days: int
    benchmark: float = Field(..., description="Percent of a list that goes stale in a year (the brief's figure).")
    total: DecayRowOut
    by_source_type: list[DecayRowOut]
    by_channel: list[DecayRowOut]


class FlagCountsOut(Schema):
    role: int
    disposable: int
    invalid: int


def _contact(c) -> dict:
    return {"id": c.pk, "first_name": c.first_name, "last_name": c.last_name, "email": c.email, "phone": c.phone,
            "company_id": c.company_id, "created_at": c.created_at}


def _row(r: selectors.DecayRow) -> dict:
    return {"key": r.key, "marketable": r.marketable, "unsubscribed": r.unsubscribed, "inactive": r.inactive,
            "decayed": r.decayed, "rate": r.rate}


@router.get("/duplicates", response={200: DuplicatePageOut, **ERRORS}, summary="Probable duplicate pairs",
            description="Computed on request within the run's bounds (docs/segments.md); best first; dismissed pairs left out.")
def list_duplicates(request, offset: Offset = 0, limit: Limit = 100):
    result = selectors.duplicate_candidates()
    shown = result.candidates[offset:offset + limit]
    people = selectors.contacts_by_id({i for c in shown for i in (c.a, c.b)})
    items = []
    for c in shown:
        a, b = people.get(c.a), people.get(c.b)
        if a is None or b is None:
            continue
        older = a if (a.created_at, a.pk) <= (b.created_at, b.pk) else b
        items.append({"a": _contact(a), "b": _contact(b), "score": c.score, "default_survivor_id": older.pk,
                      "reasons": [{"code": r.code, "text": reason_text(r), "score": r.score} for r in c.reasons]})
    return {"total": len(result.candidates), "contacts": result.contacts, "blocks": result.blocks,
            "comparisons": result.comparisons, "truncated": result.truncated, "items": items}


@router.post("/duplicates/merge", auth=write_auth, response={200: DuplicateMergeOut, **ERRORS},
             summary="Merge a duplicate pair",
             description="Contacts' merge: the survivor keeps both histories and gets a `merged` timeline row.")
def merge_duplicate(request, payload: DuplicateMergeIn):
    outcome = services.duplicates_merge(pairs=[(payload.survivor_id, payload.loser_id)], actor=Actor.for_api_key(request.api_key))
    if not outcome.merged:
        why = outcome.skipped[0][2] if outcome.skipped else _("Not merged.")
        raise ValidationFailed(why, fields={"loser_id": [why]})
    survivor, loser = outcome.merged[0]
    return {"survivor_id": survivor, "loser_id": loser}


@router.post("/duplicates/dismiss", auth=write_auth, response={200: DuplicateDismissOut, **ERRORS},
             summary="Mark a pair as two different people", description="The pair is not offered again.")
def dismiss_duplicate(request, payload: DuplicateDismissIn):
    dismissal = services.duplicate_dismiss(contact_ids=tuple(payload.contact_ids), actor=Actor.for_api_key(request.api_key))
    return {"contact_ids": [dismissal.contact_low, dismissal.contact_high], "dismissed_at": dismissal.dismissed_at}


@router.get("/inactive", response={200: InactiveOut, **ERRORS}, summary="Inactive contacts",
            description="No visit, click, custom event or form submission in `days` days (and known longer than that); "
                        "contacts in the cold stage left out. Email opens and clicks count once the email app exists.")
def list_inactive(request, days: Days = selectors.DEFAULT_INACTIVE_DAYS, offset: Offset = 0, limit: Limit = 100):
    qs = selectors.inactive_contacts(days)
    breakdown = selectors.inactive_breakdown(qs)
    return {"days": days, "count": qs.count(),
            "by_source_type": [{"key": r.key, "count": r.count} for r in breakdown["source_type"]],
            "by_channel": [{"key": r.key, "count": r.count} for r in breakdown["channel"]],
            "items": [_contact(c) for c in qs[offset:offset + limit]]}


@router.post("/inactive/sunset", auth=write_auth, response={200: SunsetOut, **ERRORS}, summary="Sunset inactive contacts",
             description="Move to the cold stage and/or unsubscribe, with a timeline row each; all or nothing.")
def sunset_inactive(request, payload: SunsetIn):
    outcome = services.contacts_sunset(contact_ids=payload.contact_ids, days=payload.days, move_to_cold=payload.move_to_cold,
                                       unsubscribe=payload.unsubscribe, actor=Actor.for_api_key(request.api_key))
    return {"moved": outcome.moved, "unsubscribed": outcome.unsubscribed, "skipped": outcome.skipped}


@router.get("/decay", response={200: DecayOut, **ERRORS}, summary="List decay in the last 12 months",
            description="Per source type and channel, beside the 25%-a-year benchmark.")
def get_decay(request, inactive_days: Days = selectors.DEFAULT_INACTIVE_DAYS):
    decay = selectors.decay(inactive_days=inactive_days)
    return {"since": decay.since, "until": decay.until, "inactive_days": decay.inactive_days,
            "benchmark": selectors.DECAY_BENCHMARK, "total": _row(decay.total),
            "by_source_type": [_row(r) for r in decay.by_source_type], "by_channel": [_row(r) for r in decay.by_channel]}


@router.get("/flags", response={200: FlagCountsOut, **ERRORS}, summary="Contacts per address flag",
            description="Role addresses, disposable domains, invalid addresses; segments filter on them as "
                        "`email_role_address`, `email_disposable`, `email_invalid`.")
def get_flags(request):
    counts = selectors.flag_counts()
    return {flag: counts[flag] for flag in flags.FLAGS}
