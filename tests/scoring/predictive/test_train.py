"""Training on Sarnakh's own data: accuracy on a generated history with a known signal,
the leakage guard at work, stored predictions with their top features, the estimator
on disk, and the retraining schedule with an injected clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock
from sarnakh.core.errors import Conflict, ValidationFailed
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.scoring.models import ContactPrediction, PredictiveModel
from sarnakh.scoring.predictive import metrics, services
from sarnakh.scoring.predictive.features import DataError
from sarnakh.scoring.predictive.tasks import predictive_retrain_due
from tests.scoring.predictive.own_support import generate_history

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def home(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path
    return tmp_path


@pytest.fixture
def history(home):
    return generate_history(1500, now=NOW)


def _train(**kwargs) -> PredictiveModel:
    with clock.frozen_at(NOW):
        return services.predictive_train(**kwargs)


def test_given_a_known_signal_the_model_ranks_far_better_than_chance_and_close_to_the_ceiling(history):
    run = _train()

    report = run.metrics
    assert run.status == PredictiveModel.DONE and run.trained_at == NOW
    # the test part is the latest quarter of the labelled contacts (created at least 30 days ago)
    labelled = np.flatnonzero(history["created_days_ago"] >= 30)
    test = labelled[int(round(len(labelled) * 0.75)):]
    ceiling = metrics.auc(history["converted"][test].astype(int), history["truth"][test])
    assert report["split"]["method"] == "ordered" and report["split"]["test_rows"] == len(test)
    assert report["auc"] > 0.7
    assert report["auc"] >= ceiling - 0.08
    assert report["baseline_auc"] > 0.65  # the logistic baseline ran in the same run
    assert report["brier"] < report["brier_reference"]
    assert [d["decile"] for d in report["lift_by_decile"]] == list(range(1, 11))
    assert report["reliability"] and report["baseline_reliability"]


def test_features_known_only_after_the_outcome_are_neither_used_nor_flagged(history):
    run = _train()

    report = run.metrics
    # customers log in and get `customer_since` only after buying: as of the outcome, neither exists
    assert report["leakage_warnings"] == []
    columns = {f["column"] for f in report["features"]}
    assert "event: product_login" not in columns and "property: customer_since" not in columns
    assert report["own_data"]["rewound_values"] == history["customers"]
    assert {"stage", "lead_status", "owner"}.isdisjoint(columns)
    assert {"event: demo_requested", "pricing_page_views", "job_title", "channel", "company_industry"} <= columns


def test_every_live_contact_gets_a_probability_with_its_top_features(history):
    run = _train()

    predictions = ContactPrediction.objects.filter(model=run)
    assert predictions.count() == len(history["ids"]) == run.scored
    assert all(0.0 <= p <= 1.0 for p in predictions.values_list("probability", flat=True))
    assert predictions.filter(reached=True).count() == history["customers"]
    top = predictions.order_by("-probability").first()
    assert 1 <= len(top.top_features) <= 3
    first = top.top_features[0]
    assert set(first) == {"feature", "value", "contribution"}
    assert first["feature"] in run.metrics["contributions"]["columns"]
    # the gradient-boosting explanation is a change in probability: it cannot exceed the probability's range
    assert all(abs(f["contribution"]) <= 1 for p in predictions[:50] for f in p.top_features)
    # probabilities follow the true signal among contacts that had not bought
    open_rows = ~history["converted"]
    stored = dict(predictions.values_list("contact_id", "probability"))
    p = np.array([stored[i] for i in history["ids"][open_rows]])
    assert metrics.auc((history["truth"][open_rows] > np.median(history["truth"][open_rows])).astype(int), p) > 0.7


def test_the_estimator_is_saved_and_a_retrain_replaces_the_predictions(history, home):
    first = _train()

    bundle = services.predictive_model_load(first)
    assert Path(first.estimator_path).parent == home / "models"
    assert bundle["kind"] == first.metrics["model"] and hasattr(bundle["model"], "predict_proba")
    second = _train()
    assert ContactPrediction.objects.filter(model=first).count() == 0
    assert ContactPrediction.objects.filter(model=second).count() == len(history["ids"])


def test_small_data_falls_back_to_logistic_regression_with_coefficient_contributions(home):
    generate_history(260, now=NOW, intercept=-0.8)

    run = _train()

    assert run.metrics["model"] == "logistic_regression"
    assert run.metrics["contributions"]["unit"] == "log-odds"
    assert ContactPrediction.objects.filter(model=run).exclude(top_features=[]).exists()


def test_data_that_cannot_train_leaves_nothing_behind(home):
    generate_history(30, now=NOW)

    with pytest.raises(DataError):
        _train()
    assert PredictiveModel.objects.count() == 0 and ContactPrediction.objects.count() == 0
    with pytest.raises(ValidationFailed):
        _train(target_stage="nonsense")


def test_a_queued_run_trains_in_the_job_and_a_second_one_waits_its_turn(history):
    with clock.frozen_at(NOW):
        run = services.predictive_train_queue(target_stage="customer")
        with pytest.raises(Conflict):
            services.predictive_train_queue(target_stage="customer")
        run_pending_jobs()
    run.refresh_from_db()
    assert run.status == PredictiveModel.DONE and run.scored == len(history["ids"])


def test_a_run_that_cannot_train_ends_failed_with_the_reason(home):
    generate_history(30, now=NOW)
    with clock.frozen_at(NOW):
        run = services.predictive_train_queue()
        run_pending_jobs()
    run.refresh_from_db()
    assert run.status == PredictiveModel.FAILED and "at least" in run.error


def _waiting_checks():
    return DBTaskResult.objects.filter(task_path=predictive_retrain_due.module_path, status=TaskResultStatus.READY)


def test_retraining_is_due_only_when_scheduled_and_the_last_model_is_old_enough(history):
    first = _train()
    with clock.frozen_at(NOW):
        assert services.retrain_if_due() is None  # off by default
        assert services.next_retrain_at() is None
        services.predictive_settings_update(retrain_every_days=7, target_stage="customer")
        assert services.next_retrain_at() == first.trained_at + dt.timedelta(days=7)
    assert _waiting_checks().count() == 1
    assert _waiting_checks().get().run_after == NOW + dt.timedelta(days=7)

    with clock.frozen_at(NOW + dt.timedelta(days=6, hours=23)):
        assert services.retrain_if_due() is None
    with clock.frozen_at(NOW + dt.timedelta(days=7)):
        queued = services.retrain_if_due()
        assert queued is not None and queued.trigger == "schedule" and queued.status == PredictiveModel.QUEUED
        assert services.retrain_if_due() is None  # one run at a time


def test_the_schedule_check_queues_itself_once_and_moves_earlier_for_a_shorter_interval(history):
    _train()
    with clock.frozen_at(NOW):
        services.predictive_settings_update(retrain_every_days=30, target_stage="customer")
        services.predictive_settings_update(retrain_every_days=30, target_stage="customer")
        assert _waiting_checks().count() == 1
        services.predictive_settings_update(retrain_every_days=2, target_stage="customer")
    assert _waiting_checks().get().run_after == NOW + dt.timedelta(days=2)


def test_the_schedule_rejects_a_bad_interval_and_changes_nothing(db):
    with pytest.raises(ValidationFailed) as error:
        services.predictive_settings_update(retrain_every_days=-1, target_stage="customer")
    assert "retrain_every_days" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.predictive_settings_update(retrain_every_days=3, target_stage="buyer")
    assert services.predictive_settings_get().retrain_every_days == 0


def test_the_worker_runs_the_due_check_which_trains_and_queues_the_next_check(history):
    first = _train()
    with clock.frozen_at(NOW):
        services.predictive_settings_update(retrain_every_days=7, target_stage="customer")
    later = NOW + dt.timedelta(days=8)

    with clock.frozen_at(later):
        assert run_pending_jobs(limit=1) == 1  # the check (its moment has come)
        queued = PredictiveModel.objects.order_by("-created_at").first()
        assert queued.pk != first.pk and queued.trigger == "schedule" and queued.status == PredictiveModel.QUEUED
        # while the run is under way the next check is an hour away
        assert _waiting_checks().get().run_after == later + dt.timedelta(hours=1)
        services.predictive_run_execute(queued.pk)  # what its job does
    queued.refresh_from_db()
    assert queued.status == PredictiveModel.DONE
    assert _waiting_checks().count() == 1


def test_a_history_that_cannot_train_is_retried_once_per_interval(home):
    generate_history(30, now=NOW)
    with clock.frozen_at(NOW):
        services.predictive_settings_update(retrain_every_days=3, target_stage="customer")
        run = services.retrain_if_due()
        services.predictive_run_execute(run.pk)  # what its job does
    run.refresh_from_db()
    assert run.status == PredictiveModel.FAILED

    with clock.frozen_at(NOW + dt.timedelta(days=1)):
        assert services.retrain_if_due() is None
    with clock.frozen_at(NOW + dt.timedelta(days=3)):
        assert services.retrain_if_due() is not None
