"""Reads of the scoring app: a contact's score with its explanation, the models and their
versions, the impact preview of draft rules, and the contact page's score card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import CharField, DecimalField, F, FilteredRelation, Q, QuerySet, Value
from django.utils.translation import gettext as _

from sarnakh.contacts.selectors import field_label, resolve_contact_id, stage_label
from sarnakh.core import clock
from sarnakh.core.errors import NotFound
from sarnakh.core.ui.formatting import format_number, format_signed, is_persian
from sarnakh.core.workers import dead_worker_ids
from sarnakh.scoring import facts_loader
from sarnakh.scoring.engine import ModelSpec, ScoreResult, SpecError, score_contact
from sarnakh.scoring.engine.result import number
from sarnakh.scoring.models import ContactScore, ScoreHistory, ScoringModel, ScoringModelVersion
from sarnakh.scoring.services import bar_text, scoring_model_for, version_spec

CARD_ROWS = 8
TREND_POINTS = 40


def _live_id(contact_id: int) -> int:
    live, _moved = resolve_contact_id(contact_id)
    if live is None:
        raise NotFound(_("Contact not found."))
    return live


def _fresh(model: ScoringModel, contact_id: int, now: dt.datetime | None = None) -> ScoreResult | None:
    facts = facts_loader.facts_for_ids([contact_id]).get(contact_id)
    if facts is None:
        return None
    spec = version_spec(model.current_version)
    return score_contact(spec, facts.person, facts.events, now or clock.now(), tz=facts_loader.account_tz())


def _explained(row: ContactScore) -> dict[str, Any]:
    """The explanation of a score stored by the bulk re-score (numbers only): the engine at
    the row's own moment and version, so its items add up to the stored values."""
    facts = facts_loader.facts_for_ids([row.contact_id]).get(row.contact_id)
    spec = version_spec(row.version)
    if facts is None:
        return {"fit": number(row.fit), "engagement": number(row.engagement), "score": number(row.score), "breakdown": []}
    return score_contact(spec, facts.person, facts.events, row.computed_at, tz=facts_loader.account_tz()).to_dict()


def contact_score(*, contact_id: int, model_key: str | None = None) -> dict[str, Any]:
    """The contact's stored score under the model (default model when None), or one
    computed now (not stored) when it was never scored; NotFound for an unknown contact."""
    live = _live_id(contact_id)
    model = scoring_model_for(model_key)
    row = ContactScore.objects.filter(contact_id=live, model=model).select_related("version").first()
    if row is not None:
        data = row.breakdown if "breakdown" in row.breakdown else _explained(row)
        return {
            "contact_id": live, "model": model.key, "version": row.version.number, "fit": data["fit"], "grade": row.grade,
            "engagement": data["engagement"], "score": data["score"], "qualified": row.qualified, "below_bar": row.below_bar,
            "qualified_since": row.qualified_since, "computed_at": row.computed_at, "stored": True,
            "engagement_by_intent": data.get("engagement_by_intent", {}), "breakdown": data["breakdown"],
        }
    result = _fresh(model, live)
    if result is None:
        raise NotFound(_("Contact not found."))
    data = result.to_dict()
    return {
        "contact_id": live, "model": model.key, "version": model.current_version.number, "fit": data["fit"], "grade": result.grade,
        "engagement": data["engagement"], "score": data["score"], "qualified": result.qualified, "below_bar": False,
        "qualified_since": None, "computed_at": result.computed_at, "stored": False,
        "engagement_by_intent": data["engagement_by_intent"], "breakdown": data["breakdown"],
    }


# ------------------------------------------------------------------ models


def _model_row(model: ScoringModel) -> dict[str, Any]:
    version = model.current_version
    return {
        "key": model.key, "name": _(model.name), "is_default": model.is_default, "is_active": model.is_active,
        "version": version.number if version else None, "created_at": model.created_at,
        "updated_at": version.created_at if version else model.created_at,
    }


def scoring_model_list() -> list[dict[str, Any]]:
    return [_model_row(m) for m in ScoringModel.objects.select_related("current_version")]


def scoring_model_detail(*, key: str) -> dict[str, Any]:
    model = ScoringModel.objects.filter(key=key).select_related("current_version").first()
    if model is None:
        raise NotFound(_("Scoring model not found."))
    versions = ScoringModelVersion.objects.filter(model=model).select_related("created_by").order_by("-number")
    return {
        **_model_row(model),
        "spec": model.current_version.spec if model.current_version else None,
        "versions": [
            {"number": v.number, "created_at": v.created_at, "created_by": v.created_by.get_username() if v.created_by else "", "note": v.note}
            for v in versions
        ],
    }


def scoring_model_preview(*, key: str, spec_dict: Any, now: dt.datetime | None = None) -> dict[str, Any]:
    """How draft rules would change grades and the bar: the bulk re-score's dry run over
    every live contact, scored now, against the model's stored scores."""
    from sarnakh.scoring import bulk

    if not isinstance(spec_dict, Mapping):
        raise SpecError({"__all__": [_("Expected an object.")]})
    draft = ModelSpec.parse({**spec_dict, "key": spec_dict.get("key", key)})
    model = ScoringModel.objects.filter(key=key).select_related("current_version").first()
    counts = bulk.preview(model, draft, now=now)
    return {"model": key, "current_version": model.current_version.number if model and model.current_version else None, **counts}


# ------------------------------------------------------------------ the score card


def _text(value: Any, *, signed: bool = False) -> str:
    """Points with one decimal at most, in the reader's digits (core.ui.formatting)."""
    value = Decimal(str(value)).quantize(Decimal("0.1")) if value is not None else Decimal(0)
    return format_signed(value, 1) if signed else format_number(value, None)


def sparkline_points(values: Iterable[Any], *, width: int = 160, height: int = 32, pad: int = 2) -> str:
    """SVG polyline points for `values`, oldest first (a flat line when all are equal)."""
    numbers = [float(v) for v in values]
    if len(numbers) < 2:
        return ""
    low, high = min(numbers), max(numbers)
    span = (high - low) or 1.0
    step = (width - 2 * pad) / (len(numbers) - 1)
    points = []
    for i, v in enumerate(numbers):
        y = height - pad - (v - low) / span * (height - 2 * pad) if high != low else height / 2
        points.append(f"{pad + i * step:.1f},{y:.1f}")
    return " ".join(points)


def _source_text(source: str) -> str:
    kind, _sep, detail = source.partition(":")
    if kind == "property":
        separator = "، " if is_persian() else ", "
        return _("property: %(fields)s") % {"fields": separator.join(field_label(name) for name in detail.split(","))}
    if kind == "event":
        return _("event #%(id)s") % {"id": format_number(detail)}
    return source


def _card_row(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "label": _(item["label"]), "rule": item["rule"], "dimension": item["dimension"],
        "points": _text(item["points"], signed=True), "raw_points": _text(item["raw_points"], signed=True),
        "decayed": item["points"] != item["raw_points"], "negative": item["points"] < 0, "capped": item.get("capped"),
        "source": _source_text(item["source"]), "at": dt.datetime.fromisoformat(item["at"]) if item.get("at") else None,
    }


def _breakdown_chart(items: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The breakdown summed per rule as diverging bars (fit and engagement told apart)."""
    from sarnakh.scoring.charts import diverging_bars, rule_totals

    rows = [{**row, "label": _(row["label"]), "text": _text(row["points"], signed=True)} for row in rule_totals(items)]
    return diverging_bars(rows)


def score_card_context(contact_id: int) -> dict[str, Any] | None:
    """What `scoring/_score_card.html` shows for the default model; None without one."""
    try:
        score = contact_score(contact_id=contact_id)
    except NotFound:
        return None
    model = scoring_model_for(score["model"])
    items = sorted(score["breakdown"], key=lambda i: (-abs(i["points"]), i["dimension"], i["rule"]))
    history = list(
        ScoreHistory.objects.filter(contact_id=score["contact_id"], model=model).order_by("-at", "-id")
        .values_list("score", flat=True)[:TREND_POINTS]
    )[::-1]
    return {
        "model_name": _(model.name), "version": score["version"], "grade": score["grade"],
        "fit": _text(score["fit"]), "engagement": _text(score["engagement"]), "score": _text(score["score"]),
        "qualified": score["qualified"], "below_bar": score["below_bar"], "qualified_since": score["qualified_since"],
        "computed_at": score["computed_at"], "stored": score["stored"], "bar": bar_text(version_spec(model.current_version)),
        "rows": [_card_row(i) for i in items[:CARD_ROWS]], "more": max(0, len(items) - CARD_ROWS),
        "chart": _breakdown_chart(score["breakdown"]),
        "trend": sparkline_points(history), "trend_count": len(history),
        "trend_low": _text(min(history)) if history else "", "trend_high": _text(max(history)) if history else "",
    }


def runs_interrupted(*, limit: int = 20) -> list[dict[str, Any]]:
    """Re-score and training runs left RUNNING by a worker whose heartbeat stopped. A job's
    run is taken over when its job is (within a minute); one trained from the command line
    never is, and a new training run closes it."""
    from sarnakh.scoring.models import PredictiveModel, RescoreRun

    rescores = list(RescoreRun.objects.filter(status=RescoreRun.RUNNING).exclude(worker_id="").select_related("model")[:limit])
    trainings = list(PredictiveModel.objects.filter(status=PredictiveModel.RUNNING).exclude(worker_id="")[:limit])
    dead = dead_worker_ids({run.worker_id for run in [*rescores, *trainings]})
    found = [
        {"kind": "rescore", "id": run.pk, "label": _(run.model.name), "started_at": run.started_at, "worker_id": run.worker_id,
         "progress": f"{run.done}/{run.total}"}
        for run in rescores if run.worker_id in dead
    ]
    found += [
        {"kind": "training", "id": run.pk, "label": stage_label(run.target_stage), "started_at": run.started_at, "worker_id": run.worker_id,
         "progress": ""}
        for run in trainings if run.worker_id in dead
    ]
    return found


# ------------------------------------------------------------------ the contacts list


def with_default_score(queryset: QuerySet) -> QuerySet:
    """Contacts annotated with their stored score and grade under the default model
    (`score_value`, `score_grade`; None when not scored): one LEFT JOIN on the
    (contact, model) unique index, so the list can sort by them in SQL. Applied once
    however many columns ask for it."""
    if "score_value" in queryset.query.annotations:
        return queryset
    model_id = ScoringModel.objects.filter(is_default=True).values_list("id", flat=True).first()
    if model_id is None:
        return queryset.annotate(score_value=Value(None, output_field=DecimalField()), score_grade=Value(None, output_field=CharField()))
    return queryset.annotate(
        default_score=FilteredRelation("scores", condition=Q(scores__model_id=model_id)),
        score_value=F("default_score__score"),
        score_grade=F("default_score__grade"),
    )
