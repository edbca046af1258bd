"""The predictive model on own data through its surfaces: `sarnakh model train`, the API
(report, training runs, schedule, a contact's prediction), the report page with its
charts, and the prediction on the contact page."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse

from sarnakh.cli import build_parser
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.core.ui.formatting import format_percent
from sarnakh.scoring.models import ContactPrediction, PredictiveModel
from sarnakh.scoring.predictive import services
from tests.scoring.predictive.own_support import generate_history

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def history(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path
    return generate_history(900, now=NOW)


@pytest.fixture
def trained(history):
    with clock.frozen_at(NOW):
        return services.predictive_train()


def train_command(*argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(["model", "train", *argv])
    out, err = io.StringIO(), io.StringIO()
    with clock.frozen_at(NOW):
        code = args.func(args, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# --- CLI -----------------------------------------------------------------------------

def test_train_command_prints_the_report_with_the_baseline_beside_the_model(history):
    code, out, err = train_command()

    assert code == 0, err
    assert "on Sarnakh's own data — target: reaching 'customer'" in out
    assert "Leakage guard: features as of" in out
    assert "ROC AUC" in out and "Brier score" in out and "baseline" in out
    assert "Lift by decile" in out and "Calibration (model)" in out and "Top features" in out
    assert "training…" in err
    assert ContactPrediction.objects.count() == len(history["ids"])


def test_train_command_json_is_one_object_with_the_figures(history):
    code, out, _err = train_command("--json", "--target-stage", "customer")

    assert code == 0
    report = json.loads(out)
    assert {"auc", "brier", "baseline_auc", "baseline_brier", "rows", "lift_by_decile", "reliability", "leakage_warnings",
            "top_features", "own_data", "model_id", "scored"} <= set(report)
    assert report["auc"] > 0.65 and len(report["lift_by_decile"]) == 10
    assert report["own_data"]["target_stage"] == "customer"


def test_train_command_refuses_an_unknown_stage_and_changes_nothing(history):
    code, out, err = train_command("--target-stage", "buyer")

    assert code == 2 and out == ""
    assert "Unknown stage" in err and "customer" in err
    assert PredictiveModel.objects.count() == 0


def test_train_command_says_why_when_the_history_is_too_small(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path
    generate_history(20, now=NOW)

    code, _out, err = train_command()

    assert code == 2 and err.strip().splitlines()[-1].startswith("error: only")
    assert PredictiveModel.objects.count() == 0


# --- API -----------------------------------------------------------------------------

def test_report_is_404_before_the_first_model(read_api):
    response = read_api.get("/api/v1/scoring/predictive")

    assert response.status_code == 404


def test_post_train_queues_a_run_that_the_job_trains(history, write_api, read_api):
    with clock.frozen_at(NOW):
        response = write_api.post("/api/v1/scoring/predictive/train", {"target_stage": "customer"})
        assert response.status_code == 202
        run_id = response.json()["id"]
        assert response.json()["status"] == "queued"
        assert write_api.post("/api/v1/scoring/predictive/train", {}).status_code == 409
        run_pending_jobs()

    body = read_api.get("/api/v1/scoring/predictive").json()
    assert body["latest_run"]["id"] == run_id and body["latest_run"]["status"] == "done"
    model = body["model"]
    assert model["id"] == run_id and model["auc"] > 0.65 and model["baseline_auc"] is not None
    assert {"lift_by_decile", "reliability", "baseline_lift_by_decile", "leakage_warnings"} <= set(model["report"])


def test_post_train_needs_a_write_key_and_a_known_stage(history, read_api, write_api, anon_api):
    assert anon_api.post("/api/v1/scoring/predictive/train", {}).status_code == 401
    assert read_api.post("/api/v1/scoring/predictive/train", {}).status_code == 403
    response = write_api.post("/api/v1/scoring/predictive/train", {"target_stage": "buyer"})
    assert response.status_code == 422 and "target_stage" in json.dumps(response.json())
    assert PredictiveModel.objects.count() == 0


def test_contact_prediction_gives_the_probability_and_top_features(trained, read_api):
    prediction = ContactPrediction.objects.filter(model=trained, reached=False).order_by("-probability").first()

    response = read_api.get(f"/api/v1/contacts/{prediction.contact_id}/prediction")

    assert response.status_code == 200
    body = response.json()
    assert body["probability"] == pytest.approx(prediction.probability)
    assert body["model_id"] == trained.pk and body["target_stage"] == "customer" and body["reached"] is False
    assert body["contribution_unit"] in ("probability", "log-odds")
    assert body["top_features"] and set(body["top_features"][0]) == {"feature", "value", "contribution"}
    assert read_api.get("/api/v1/contacts/999999/prediction").status_code == 404


def test_schedule_can_be_read_and_set(history, read_api, write_api):
    assert read_api.get("/api/v1/scoring/predictive/schedule").json()["retrain_every_days"] == 0
    bad = write_api.put("/api/v1/scoring/predictive/schedule", {"retrain_every_days": 1000})
    assert bad.status_code == 422
    response = write_api.put("/api/v1/scoring/predictive/schedule", {"retrain_every_days": 14, "target_stage": "customer"})
    assert response.status_code == 200 and response.json()["retrain_every_days"] == 14


# --- pages ---------------------------------------------------------------------------

def test_report_page_shows_figures_charts_and_the_likeliest_contacts(trained, client, marketer):
    client.force_login(marketer)

    response = client.get(reverse("scoring:predictive"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="auc"' in html and 'id="baseline-auc"' in html and 'id="brier"' in html
    assert html.count("<li data-decile=") == 10
    assert 'id="reliability-chart"' in html and 'class="diagonal"' in html and 'class="model-point"' in html
    assert 'id="top-features"' in html and 'id="train-now"' in html
    top = ContactPrediction.objects.filter(model=trained, reached=False).order_by("-probability", "contact_id").first()
    assert reverse("contacts:detail", args=[top.contact_id]) in html
    assert format_percent(top.probability, 1, ratio=True) in html


def test_report_page_without_a_model_invites_training(db, client, marketer):
    client.force_login(marketer)

    html = client.get(reverse("scoring:predictive")).content.decode()

    assert 'id="predictive-empty"' in html and 'id="train-now"' in html


def test_train_now_queues_a_run_for_managers_only(history, client, marketer, sales_user):
    client.force_login(sales_user)
    page = client.get(reverse("scoring:predictive")).content.decode()
    assert 'id="train-now"' not in page
    assert client.post(reverse("scoring:predictive_train"), {"target_stage": "customer"}).status_code == 403

    client.force_login(marketer)
    with clock.frozen_at(NOW):
        response = client.post(reverse("scoring:predictive_train"), {"target_stage": "customer"}, follow=True)
    assert response.status_code == 200
    run = PredictiveModel.objects.get()
    assert run.status == PredictiveModel.QUEUED and run.created_by == marketer
    assert f"#{run.pk}" in response.content.decode()


def test_schedule_form_saves_and_reports_bad_input(history, client, marketer):
    client.force_login(marketer)

    bad = client.post(reverse("scoring:predictive_schedule"), {"retrain_every_days": "often", "target_stage": "customer"}, follow=True)
    assert "0 (off)" in bad.content.decode()
    client.post(reverse("scoring:predictive_schedule"), {"retrain_every_days": "7", "target_stage": "customer"})
    assert services.predictive_settings_get().retrain_every_days == 7


def test_contact_page_shows_the_probability_and_why(trained, client, sales_user):
    prediction = ContactPrediction.objects.filter(model=trained, reached=False).order_by("-probability").first()
    client.force_login(sales_user)

    html = client.get(reverse("contacts:detail", args=[prediction.contact_id])).content.decode()

    assert 'id="prediction-card"' in html
    assert format_percent(prediction.probability, 1, ratio=True) in html
    assert prediction.top_features[0]["feature"] in html
