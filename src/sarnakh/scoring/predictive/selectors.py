"""Reads of the predictive model: the latest report, each contact's prediction, and what
the report page and the contact page draw (charts as server-side SVG geometry)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core.errors import NotFound
from sarnakh.core.ui.formatting import format_number, format_percent, format_points, format_signed
from sarnakh.scoring.field_labels import predictive_label
from sarnakh.scoring.models import ContactPrediction, PredictiveModel
from sarnakh.scoring.predictive import summary

TOP_CONTACTS = 25
CHART_W, CHART_H, CHART_PAD = 240, 240, 28


def latest_model() -> PredictiveModel | None:
    """The newest model that finished training (its predictions are the stored ones)."""
    return PredictiveModel.objects.filter(status=PredictiveModel.DONE).order_by("-trained_at", "-id").first()


def latest_run() -> PredictiveModel | None:
    """The newest run in any state: what the training status shows."""
    return PredictiveModel.objects.order_by("-created_at", "-id").first()


def model_summary(run: PredictiveModel) -> dict:
    report = run.metrics or {}
    return {
        "id": run.pk, "status": run.status, "target_stage": run.target_stage, "trigger": run.trigger,
        "created_at": run.created_at, "trained_at": run.trained_at, "rows": run.rows, "positives": run.positives,
        "scored": run.scored, "error": run.error, "features": run.features,
        "auc": report.get("auc"), "brier": report.get("brier"),
        "baseline_auc": report.get("baseline_auc"), "baseline_brier": report.get("baseline_brier"),
        "brier_skill": report.get("brier_skill"), "no_better_than_base_rate": report.get("no_better_than_base_rate"),
        "dominance_warnings": report.get("dominance_warnings") or [],
    }


def predictive_report() -> dict:
    """The latest model's summary with its full report, and the newest run's status."""
    model, run = latest_model(), latest_run()
    if model is None and run is None:
        raise NotFound(_("No predictive model has been trained yet."))
    return {
        "model": {**model_summary(model), "report": model.metrics} if model else None,
        "latest_run": model_summary(run) if run else None,
    }


def contact_prediction(*, contact_id: int) -> dict:
    if not contact_selectors.live_contacts().filter(pk=contact_id).exists():
        raise NotFound(_("Contact not found."))
    model = latest_model()
    found = ContactPrediction.objects.filter(contact_id=contact_id, model=model).first() if model else None
    if found is None:
        raise NotFound(_("This contact has no prediction yet: the next training run scores it."))
    unit = (model.metrics.get("contributions") or {}).get("unit", "")
    return {
        "contact_id": contact_id, "model_id": model.pk, "target_stage": model.target_stage,
        "probability": found.probability, "reached": found.reached, "as_of": found.as_of, "computed_at": found.computed_at,
        "contribution_unit": unit, "top_features": found.top_features,
    }


_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def _percent(value) -> str:
    return "—" if value is None else format_percent(value, 1, ratio=True)




def _feature_rows(items: list[dict], unit: str) -> list[dict]:
    rows = []
    for item in items:
        c = item["contribution"]
        shown = format_points(round(c * 100, 1)) if unit == "probability" else format_signed(c, 2)
        value = item["value"]
        if (isinstance(value, int | float) and not isinstance(value, bool)) or (isinstance(value, str) and _PLAIN_NUMBER.match(value)):
            value = format_number(value)  # a count or a measure, in the reader's digits
        rows.append({"feature": item["feature"], "label": predictive_label(item["feature"]), "value": value, "contribution": shown, "up": c > 0})
    return rows


def prediction_context(contact_id: int) -> dict | None:
    """What `scoring/_prediction.html` shows on the contact page; None without a model."""
    model = latest_model()
    if model is None:
        return None
    found = ContactPrediction.objects.filter(contact_id=contact_id, model=model).first()
    unit = (model.metrics.get("contributions") or {}).get("unit", "")
    if found is None:
        return {"model": model, "missing": True}
    return {
        "model": model, "missing": False, "probability": _percent(found.probability), "reached": found.reached,
        "as_of": found.as_of, "features": _feature_rows(found.top_features, unit), "unit": unit,
    }


def top_contacts(model: PredictiveModel, *, limit: int = TOP_CONTACTS) -> list[dict]:
    """The open contacts (not at the target yet) most likely to reach it."""
    unit = (model.metrics.get("contributions") or {}).get("unit", "")
    rows = (
        ContactPrediction.objects.filter(model=model, reached=False, contact__merged_into__isnull=True)
        .select_related("contact").order_by("-probability", "contact_id")[:limit]
    )
    return [
        {"contact": p.contact, "probability": _percent(p.probability), "features": _feature_rows(p.top_features, unit)}
        for p in rows
    ]


def lift_bars(report: dict) -> list[dict]:
    """Lift per decile of the model and the baseline as bar widths (percent of the widest)."""
    ours, base = report.get("lift_by_decile") or [], report.get("baseline_lift_by_decile") or []
    widest = max([d["lift"] or 0 for d in ours + base] + [1.0])
    bars = []
    for i, d in enumerate(ours):
        b = base[i] if i < len(base) else {}
        bars.append({
            "decile": d["decile"], "rows": d["rows"], "positives": d["positives"], "rate": _percent(d["rate"]),
            "lift": d["lift"], "width": round(100 * (d["lift"] or 0) / widest, 1),
            "baseline_lift": b.get("lift"), "baseline_width": round(100 * (b.get("lift") or 0) / widest, 1),
            "capture": _percent(d["cumulative_capture"]),
        })
    return bars


def reliability_chart(report: dict) -> dict:
    """SVG geometry: each probability bin as a point (mean predicted, observed rate) of the
    model and of the baseline, on 0–1 axes, with the diagonal of perfect calibration."""
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, CHART_H - 2 * CHART_PAD

    def xy(p: float, o: float) -> tuple[float, float]:
        return round(CHART_PAD + p * inner_w, 1), round(CHART_H - CHART_PAD - o * inner_h, 1)

    def series(rows: list[dict]) -> dict:
        points = []
        for row in rows:
            x, y = xy(row["mean_predicted"], row["observed_rate"])
            points.append({"x": x, "y": y, "r": round(2.5 + min(row["count"], 2000) ** 0.5 / 6, 1),
                           "title": f"{format_number(row['lower'], 1)}–{format_number(row['upper'], 1)}: {format_number(row['count'])} · "
                                    f"{_percent(row['mean_predicted'])} → {_percent(row['observed_rate'])}"})
        return {"points": points, "line": " ".join(f"{p['x']},{p['y']}" for p in points)}

    x0, y0 = xy(0, 0)
    x1, y1 = xy(1, 1)
    ticks = [{"label": format_number(v, 1), "x": xy(v, 0)[0], "y": xy(0, v)[1]} for v in (0, 0.25, 0.5, 0.75, 1.0)]
    return {
        "width": CHART_W, "height": CHART_H, "pad": CHART_PAD, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "ticks": ticks,
        "model": series(report.get("reliability") or []), "baseline": series(report.get("baseline_reliability") or []),
    }


def report_page_context() -> dict:
    model, run = latest_model(), latest_run()
    context: dict = {"model": model, "run": run, "run_stage_label": stage_label(run.target_stage) if run else ""}
    if model is not None:
        report = model.metrics
        stage = stage_label(model.target_stage)
        lift = lift_bars(report)
        context.update(
            report=report, summary=model_summary(model), lift=lift, lift_rows=summary.lift_rows(lift), chart=reliability_chart(report),
            headline=summary.headline(report, stage), stage_label=stage,
            top_features=[{**f, "label": predictive_label(f["column"])} for f in report.get("top_features") or []],
            top=top_contacts(model), own=report.get("own_data") or {}, contributions=report.get("contributions") or {},
            auc=_fmt(report.get("auc")), baseline_auc=_fmt(report.get("baseline_auc")),
            brier=_fmt(report.get("brier"), 4), baseline_brier=_fmt(report.get("baseline_brier"), 4),
            brier_reference=_fmt(report.get("brier_reference"), 4),
        )
    return context


def stage_label(key: str) -> str:
    """The stage's name in the reader's language (its key when the stage is gone)."""
    return next((s.display_name for s in contact_selectors.stage_list() if s.key == key), key)


def _fmt(value, digits: int = 3) -> str:
    return "—" if value is None else format_number(value, digits)
