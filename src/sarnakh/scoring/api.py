"""/api/v1/contacts/{id}/score and /api/v1/scoring/models…: scores with their explanation,
and the scoring models (rules, versions, impact preview). Mounted at "/" by sarnakh.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound
from sarnakh.scoring import rescore, selectors, services
from sarnakh.scoring.models import RescoreRun, ScoringModel

router = Router(tags=["scoring"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
Number = int | float


class BreakdownItemOut(Schema):
    rule: str
    label: str
    dimension: str
    points: Number
    raw_points: Number
    source: str
    at: dt.datetime | None
    intent: str | None = None
    capped: str | None = None
    future: bool = False


class ScoreOut(Schema):
    contact_id: int
    model: str
    version: int
    fit: Number
    grade: str
    engagement: Number
    score: Number
    qualified: bool
    below_bar: bool
    qualified_since: dt.datetime | None
    computed_at: dt.datetime
    stored: bool
    engagement_by_intent: dict[str, Number]
    breakdown: list[BreakdownItemOut]


class ScoringModelOut(Schema):
    key: str
    name: str
    is_default: bool
    is_active: bool
    version: int | None
    created_at: dt.datetime
    updated_at: dt.datetime


class VersionOut(Schema):
    number: int
    created_at: dt.datetime
    created_by: str
    note: str


class ScoringModelDetailOut(ScoringModelOut):
    spec: dict[str, Any] | None
    versions: list[VersionOut]
    rescore_id: int | None = None


class ModelSaveIn(InputSchema):
    spec: dict[str, Any]
    note: str = ""


class RescoreOut(Schema):
    id: int
    model: str
    version: int
    status: str
    phase: str
    total: int
    done: int
    percent: int
    changed: int
    crossed: int
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def _rescore_out(run: RescoreRun) -> dict[str, Any]:
    return {
        "id": run.pk, "model": run.model.key, "version": run.version.number, "status": run.status, "phase": run.phase, "total": run.total,
        "done": run.done, "percent": run.percent, "changed": run.changed, "crossed": run.crossed, "error": run.error,
        "created_at": run.created_at, "started_at": run.started_at, "finished_at": run.finished_at,
    }


class PreviewIn(InputSchema):
    spec: dict[str, Any]


class PreviewOut(Schema):
    model: str
    current_version: int | None
    computed_at: dt.datetime
    contacts: int
    grade_changes: int
    would_cross: int
    would_drop: int
    qualified_before: int
    qualified_after: int
    grades_before: dict[str, int]
    grades_after: dict[str, int]


@router.get("/contacts/{int:contact_id}/score", response={200: ScoreOut, **ERRORS}, summary="A contact's score with its explanation")
def contact_score(request, contact_id: DbId, model: str = ""):
    """Fit, grade, engagement and combined score under `model` (default: the default model),
    and the rules behind them; the breakdown's points add up to fit and engagement."""
    return selectors.contact_score(contact_id=contact_id, model_key=model or None)


@router.get("/scoring/models", response={200: list[ScoringModelOut], **ERRORS}, summary="Scoring models")
def list_models(request):
    return selectors.scoring_model_list()


@router.get("/scoring/models/{key}", response={200: ScoringModelDetailOut, **ERRORS}, summary="A scoring model: current rules and versions")
def get_model(request, key: str):
    return selectors.scoring_model_detail(key=key)


@router.put("/scoring/models/{key}", auth=write_auth, response={200: ScoringModelDetailOut, **ERRORS}, summary="Save a model's rules as a new version")
def save_model(request, key: str, payload: ModelSaveIn):
    """Validates the rules (422 names each wrong field, e.g. `engagement_rules.2.points`) and
    stores them as the next version, then queues the bulk re-score of every contact (its id
    is `rescore_id`; follow it at /scoring/rescores/{id}); the same rules again change nothing."""
    api_key = getattr(request, "auth", None)
    user = getattr(api_key, "created_by", None)
    before = ScoringModel.objects.filter(key=key).values_list("current_version_id", flat=True).first()
    version = services.scoring_model_save(key=key, spec_dict=payload.spec, note=payload.note, user=user)
    detail = selectors.scoring_model_detail(key=key)
    detail["rescore_id"] = rescore.rescore_start(model_key=key, user=user).pk if version.pk != before else None
    return detail


@router.post(
    "/scoring/models/{key}/rescore", auth=write_auth, response={202: RescoreOut, **ERRORS},
    summary="Re-score every contact with the model's current rules (set-based, in the background)",
)
def start_rescore(request, key: str):
    api_key = getattr(request, "auth", None)
    run = rescore.rescore_start(model_key=key, user=getattr(api_key, "created_by", None))
    return Status(202, _rescore_out(run))


@router.get("/scoring/rescores/{int:run_id}", response={200: RescoreOut, **ERRORS}, summary="A bulk re-score's progress")
def get_rescore(request, run_id: DbId):
    run = RescoreRun.objects.select_related("model", "version").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Re-score run not found."))
    return _rescore_out(run)


@router.post(
    "/scoring/models/{key}/preview", auth=write_auth, response={200: PreviewOut, **ERRORS},
    summary="How many contacts draft rules would move across grades and the bar",
)
def preview_model(request, key: str, payload: PreviewIn):
    """The dry run of the bulk re-score with the draft rules: every live contact scored now,
    set-based, against the model's stored scores."""
    return selectors.scoring_model_preview(key=key, spec_dict=payload.spec)
