"""/api/v1/scoring/predictive…, /api/v1/contacts/{id}/prediction: the predictive model
trained on Sarnakh's own data, its report, training runs and retraining schedule, and
each contact's probability with the features behind it. Mounted at "/" by sarnakh.api."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Router, Schema, Status

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema

from . import selectors, services

router = Router(tags=["scoring"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PredictiveRunOut(Schema):
    id: int
    status: str
    target_stage: str
    trigger: str
    created_at: dt.datetime
    trained_at: dt.datetime | None
    rows: int
    positives: int
    scored: int
    error: str
    auc: float | None = None
    brier: float | None = None
    baseline_auc: float | None = None
    baseline_brier: float | None = None
    brier_skill: float | None = None
    no_better_than_base_rate: bool | None = None
    dominance_warnings: list[dict[str, Any]] = []
    features: list[str] = []


class PredictiveModelOut(PredictiveRunOut):
    report: dict[str, Any]


class PredictiveOut(Schema):
    model: PredictiveModelOut | None
    latest_run: PredictiveRunOut | None


class TrainIn(InputSchema):
    target_stage: str = "customer"


class TopFeatureOut(Schema):
    feature: str
    value: str | None
    contribution: float


class PredictionOut(Schema):
    contact_id: int
    model_id: int
    target_stage: str
    probability: float
    reached: bool
    as_of: dt.datetime
    computed_at: dt.datetime
    contribution_unit: str
    top_features: list[TopFeatureOut]


class ScheduleIn(InputSchema):
    retrain_every_days: int
    target_stage: str = "customer"


class ScheduleOut(Schema):
    retrain_every_days: int
    target_stage: str
    next_retrain_at: dt.datetime | None


@router.get("/scoring/predictive", response={200: PredictiveOut, **ERRORS}, summary="The latest predictive model's report")
def predictive_report(request):
    """ROC AUC, Brier score, reliability, lift per decile and the logistic baseline's
    figures of the newest trained model (the full report as `model.report`), and the
    status of the newest training run. 404 before the first model."""
    return selectors.predictive_report()


@router.post("/scoring/predictive/train", auth=write_auth, response={202: PredictiveRunOut, **ERRORS}, summary="Queue a training run on Sarnakh's own data")
def predictive_train(request, payload: TrainIn):
    """Queues the job; poll `GET /scoring/predictive` for `latest_run.status`. 422 for an
    unknown stage, 409 while another run is queued or running."""
    api_key = getattr(request, "auth", None)
    run = services.predictive_train_queue(target_stage=payload.target_stage, user=getattr(api_key, "created_by", None), trigger="api")
    return Status(202, selectors.model_summary(run))


@router.get("/scoring/predictive/schedule", response={200: ScheduleOut, **ERRORS}, summary="The retraining schedule")
def get_schedule(request):
    current = services.predictive_settings_get()
    return {"retrain_every_days": current.retrain_every_days, "target_stage": current.target_stage, "next_retrain_at": services.next_retrain_at()}


@router.put("/scoring/predictive/schedule", auth=write_auth, response={200: ScheduleOut, **ERRORS}, summary="Set the retraining schedule")
def put_schedule(request, payload: ScheduleIn):
    """`retrain_every_days`: 0 turns scheduled retraining off, 1–365 retrains that often."""
    current = services.predictive_settings_update(retrain_every_days=payload.retrain_every_days, target_stage=payload.target_stage)
    return {"retrain_every_days": current.retrain_every_days, "target_stage": current.target_stage, "next_retrain_at": services.next_retrain_at()}


@router.get("/contacts/{int:contact_id}/prediction", response={200: PredictionOut, **ERRORS}, summary="A contact's predicted probability")
def contact_prediction(request, contact_id: DbId):
    """The probability of reaching the model's target stage and the features that moved
    it most (`contribution` in `contribution_unit`: log-odds or probability)."""
    return selectors.contact_prediction(contact_id=contact_id)
