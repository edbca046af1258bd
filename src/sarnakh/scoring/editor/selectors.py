"""Reads for the scoring staff pages: the models with how many contacts they scored and
qualified, one version's rules, a model's versions, and a re-score run."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from sarnakh.core.errors import NotFound
from sarnakh.scoring.models import ContactScore, RescoreRun, ScoringModel, ScoringModelVersion


def scoring_models_overview() -> list[dict[str, Any]]:
    """Every model with its current version, last change and counts (two queries)."""
    counts = {
        row["model_id"]: row
        for row in ContactScore.objects.values("model_id").annotate(scored=Count("id"), qualified=Count("id", filter=Q(qualified=True)))
    }
    rows = []
    for model in ScoringModel.objects.select_related("current_version", "current_version__created_by"):
        version = model.current_version
        stats = counts.get(model.pk, {})
        rows.append({
            "key": model.key, "name": _(model.name), "is_default": model.is_default, "is_active": model.is_active,
            "version": version.number if version else None,
            "changed_at": version.created_at if version else model.created_at,
            "changed_by": version.created_by.get_username() if version and version.created_by else "",
            "scored": stats.get("scored", 0), "qualified": stats.get("qualified", 0),
        })
    return rows


def scoring_model_get(key: str) -> ScoringModel:
    model = ScoringModel.objects.filter(key=key).select_related("current_version").first()
    if model is None:
        raise NotFound(_("Scoring model not found."))
    return model


def scoring_model_exists(key: str) -> bool:
    return ScoringModel.objects.filter(key=key).exists()


def scoring_model_versions(model: ScoringModel) -> list[ScoringModelVersion]:
    return list(ScoringModelVersion.objects.filter(model=model).select_related("created_by").order_by("-number"))


def scoring_model_version(model: ScoringModel, number: int) -> ScoringModelVersion:
    version = ScoringModelVersion.objects.filter(model=model, number=number).select_related("created_by").first()
    if version is None:
        raise NotFound(_("Version not found."))
    return version


def rescore_run_get(run_id: int) -> RescoreRun:
    run = RescoreRun.objects.select_related("model", "version").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("Re-score not found."))
    return run


def rescore_runs_recent(model: ScoringModel, limit: int = 5) -> list[RescoreRun]:
    return list(RescoreRun.objects.filter(model=model).select_related("version")[:limit])
