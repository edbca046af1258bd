"""Writes of the predictive model on Sarnakh's own data: training runs, stored
predictions, and the retraining schedule.

A run: build one row per live contact (own_data), evaluate the recipe with a
time-ordered split (evaluate.py: the same code as `sarnakh model evaluate`), refit it on
every labelled row (fitted.py), save the estimator with joblib under
SARNAKH_HOME/models/, and write every live contact's probability with its top
contributing features in chunks of bulk inserts. The previous model's predictions go
once the new ones are written, in the same transaction.

Scheduled retraining: `PredictiveSettings.retrain_every_days` (0 = off). The check is a
job, `predictive_retrain_due` (tasks.py), queued to run after the next due moment; each
check queues the next one, so any `sarnakh worker` (or the embedded worker of `sarnakh
serve`) runs it without a cron. Turning the schedule on queues the first check.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.selectors import stage_list
from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.jobs import enqueue
from sarnakh.core.workers import current_worker_id, dead_worker_ids, may_take_over
from sarnakh.scoring.models import ContactPrediction, PredictiveModel, PredictiveSettings

# Training imports scikit-learn, SciPy and NumPy (~140 MB): they are imported by the
# functions that train or load a model, not here, because every process that loads the URL
# configuration (campaign workers, the CLI, web workers) imports this module.

DEFAULT_MIN_AGE_DAYS = 30  # own_data.DEFAULT_MIN_AGE_DAYS (a test keeps the two equal)

logger = logging.getLogger("sarnakh.scoring.predictive")

WRITE_CHUNK = 2000
KEEP_ESTIMATOR_FILES = 3
MAX_RETRAIN_DAYS = 365
RUN_STALE_AFTER = dt.timedelta(hours=6)  # a running run older than this died with its worker
FOREGROUND_TRIGGERS = ("cli", "demo")  # trained in the caller's process, not by a job
CHECK_AGAIN_WHILE_RUNNING = dt.timedelta(hours=1)


def _user(user: Any):
    return user if getattr(user, "pk", None) else None


def validate_target_stage(target_stage: str) -> str:
    key = (target_stage or "").strip()
    known = [stage.key for stage in stage_list()]
    if key not in known:
        raise ValidationFailed(
            _("Unknown stage."), fields={"target_stage": [_("Unknown stage. Use one of: %(keys)s.") % {"keys": ", ".join(known)}]},
        )
    return key


def models_dir() -> Path:
    path = Path(settings.SARNAKH_HOME) / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _in_progress() -> PredictiveModel | None:
    """A queued or running run that will end. A run trained in the foreground (the CLI)
    whose process died never will: it does not count (a job's run is re-run by its job)."""
    fresh = clock.now() - RUN_STALE_AFTER
    runs = list(PredictiveModel.objects.filter(status__in=[PredictiveModel.QUEUED, PredictiveModel.RUNNING], created_at__gte=fresh)[:20])
    dead = dead_worker_ids({run.worker_id for run in runs if run.trigger in FOREGROUND_TRIGGERS})
    return next((run for run in runs if run.worker_id not in dead), None)


def _close_interrupted_foreground_runs() -> None:
    runs = PredictiveModel.objects.filter(status=PredictiveModel.RUNNING, trigger__in=FOREGROUND_TRIGGERS).exclude(worker_id="")
    dead = dead_worker_ids(set(runs.values_list("worker_id", flat=True)[:100]))
    if dead:
        runs.filter(worker_id__in=dead).update(status=PredictiveModel.FAILED, error=_("Interrupted: the process training it stopped."))


def predictive_train_queue(*, target_stage: str = "customer", user: Any = None, trigger: str = "user") -> PredictiveModel:
    """Queues a training run (the job runs `predictive_run_execute`); one at a time."""
    from .tasks import train_predictive_model

    target_stage = validate_target_stage(target_stage)
    with transaction.atomic():
        running = _in_progress()
        if running is not None:
            raise Conflict(_("A training run is already queued or running (#%(id)d).") % {"id": running.pk})
        run = PredictiveModel.objects.create(target_stage=target_stage, trigger=trigger, created_at=clock.now(), created_by=_user(user))
        enqueue(train_predictive_model, run.pk)
    return run


def predictive_run_execute(run_id: int, *, threads: int = 1) -> PredictiveModel | None:
    """The job's body: runs a queued run to the end; a finished run is left alone. A run
    that cannot train (too few rows, one outcome only) ends FAILED with the reason."""
    run = PredictiveModel.objects.filter(pk=run_id).first()
    if run is None or run.status in (PredictiveModel.DONE, PredictiveModel.FAILED):
        return run
    if run.status == PredictiveModel.RUNNING and not may_take_over(run.worker_id):
        return run  # a live worker trains it: this is a second job for the same run
    from .features import DataError

    try:
        return _train(run, threads=threads)
    except DataError as exc:
        PredictiveModel.objects.filter(pk=run.pk).update(status=PredictiveModel.FAILED, error=str(exc)[:2000])
    except Exception as exc:
        logger.exception("predictive training run %s failed", run.pk)
        PredictiveModel.objects.filter(pk=run.pk).update(status=PredictiveModel.FAILED, error=str(exc)[:2000])
        raise
    finally:
        schedule_retrain_check()
    run.refresh_from_db()
    return run


def predictive_train(
    *, target_stage: str = "customer", user: Any = None, trigger: str = "cli", min_age_days: int = DEFAULT_MIN_AGE_DAYS,
    threads: int = 1, progress=None,
) -> PredictiveModel:
    """Trains now, in this process (the CLI). Bad input or data that cannot train raises
    ValidationFailed / DataError and leaves nothing behind."""
    target_stage = validate_target_stage(target_stage)
    _close_interrupted_foreground_runs()
    if _in_progress() is not None:
        raise Conflict(_("A training run is already queued or running."))
    run = PredictiveModel.objects.create(target_stage=target_stage, trigger=trigger, created_at=clock.now(), created_by=_user(user))
    try:
        run = _train(run, threads=threads, min_age_days=min_age_days, progress=progress)
    except BaseException:
        PredictiveModel.objects.filter(pk=run.pk).delete()
        raise
    schedule_retrain_check()
    return run


def _train(run: PredictiveModel, *, threads: int = 1, min_age_days: int = DEFAULT_MIN_AGE_DAYS, progress=None) -> PredictiveModel:
    import joblib
    import numpy as np
    from threadpoolctl import threadpool_limits

    from .evaluate import Options, evaluate_table
    from .fitted import fit_final, top_contributions
    from .own_data import ORDER, TARGET, build_own_data

    say = progress or (lambda _text: None)
    run.status, run.started_at, run.worker_id = PredictiveModel.RUNNING, clock.now(), current_worker_id()
    run.save(update_fields=["status", "started_at", "worker_id"])
    started = time.perf_counter()
    now = clock.now()
    data = build_own_data(target_stage=run.target_stage, now=now, min_age_days=min_age_days)
    built = time.perf_counter()
    say(f"{data.counts['contacts']:,} contacts, {data.counts['labelled']:,} to learn from "
        f"({data.counts['positives']:,} reached {run.target_stage!r}); training…")
    options = Options(target=TARGET, split="ordered", order_by=ORDER, threads=threads)
    evaluation = evaluate_table(data.table, options)
    evaluated = time.perf_counter()
    fitted, profiles = fit_final(data.table, options, evaluation)
    final_fit = time.perf_counter()
    rows = np.arange(len(data.contact_ids))
    with threadpool_limits(limits=threads):  # see evaluate_table: busy-waiting threads slow a busy machine
        probabilities = fitted.predict(profiles, rows)
        columns, contributions = fitted.contributions(profiles, rows)
    explained = top_contributions(data.table, columns, contributions, rows)
    scored = time.perf_counter()

    report = evaluation.report
    report["positive_label"], report["negative_label"] = "reached", "not reached"
    report["own_data"] = {
        "target_stage": run.target_stage, "reached_stages": data.reached_stages,
        "created_before": data.created_before.isoformat(), "min_age_days": min_age_days,
        "as_of_rule": "contacts that reached the target: the moment they first reached it; the others: now",
        **data.counts,
    }
    report["final_model"] = {"train_rows": fitted.train_rows, "train_positives": fitted.train_positives,
                             "note": "refitted on every labelled row after the evaluation"}
    report["contributions"] = {"method": fitted.contribution_method, "unit": fitted.contribution_unit,
                               "columns": columns}
    report["seconds"].update(build_rows=round(built - started, 3), evaluate=round(evaluated - built, 3), final_fit=round(final_fit - evaluated, 3),
                             scoring=round(scored - final_fit, 3))
    report["seconds"]["total"] = round(scored - started, 3)

    path = models_dir() / f"predictive-{run.pk}.joblib"
    joblib.dump(fitted.for_disk(), path, compress=3)
    report["seconds"]["save_estimator"] = round(time.perf_counter() - scored, 3)
    computed_at = clock.now()
    with transaction.atomic():
        for start in range(0, len(rows), WRITE_CHUNK):
            ContactPrediction.objects.bulk_create([
                ContactPrediction(
                    contact_id=int(data.contact_ids[i]), model_id=run.pk, probability=round(float(probabilities[i]), 6),
                    top_features=explained[i], reached=bool(data.reached[i]), as_of=data.as_of[i], computed_at=computed_at,
                )
                for i in range(start, min(start + WRITE_CHUNK, len(rows)))
            ])
        ContactPrediction.objects.exclude(model_id=run.pk).delete()
        report["seconds"]["write_predictions"] = round(time.perf_counter() - scored - report["seconds"]["save_estimator"], 3)
        PredictiveModel.objects.filter(pk=run.pk).update(
            status=PredictiveModel.DONE, trained_at=computed_at, rows=report["rows"], positives=report["positives"],
            scored=len(rows), metrics=_jsonable(report), features=[f["column"] for f in report["features"]],
            estimator_path=str(path), error="",
        )
    _forget_old_estimators()
    run.refresh_from_db()
    return run


def _jsonable(report: dict) -> dict:
    import json

    from .report import render_json

    return json.loads(render_json(report))


def _forget_old_estimators() -> None:
    """Keeps the newest few estimator files; older runs keep their report only."""
    old = PredictiveModel.objects.exclude(estimator_path="").order_by("-trained_at", "-id")[KEEP_ESTIMATOR_FILES:]
    for run in list(old):
        Path(run.estimator_path).unlink(missing_ok=True)
        PredictiveModel.objects.filter(pk=run.pk).update(estimator_path="")


def predictive_model_load(run: PredictiveModel) -> dict:
    """The stored estimator bundle (see FittedModel.for_disk)."""
    import joblib

    if not run.estimator_path or not Path(run.estimator_path).is_file():
        raise NotFound(_("The estimator file of this model is gone."))
    return joblib.load(run.estimator_path)


# --- scheduled retraining ---------------------------------------------------------

def predictive_settings_get() -> PredictiveSettings:
    found = PredictiveSettings.objects.order_by("id").first()
    return found if found is not None else PredictiveSettings.objects.create(updated_at=clock.now())


def predictive_settings_update(*, retrain_every_days: int, target_stage: str) -> PredictiveSettings:
    if not isinstance(retrain_every_days, int) or not 0 <= retrain_every_days <= MAX_RETRAIN_DAYS:
        raise ValidationFailed(
            _("Retraining interval is not valid."),
            fields={"retrain_every_days": [_("Give a whole number of days from 0 (off) to %(max)d.") % {"max": MAX_RETRAIN_DAYS}]},
        )
    target_stage = validate_target_stage(target_stage)
    with transaction.atomic():
        current = predictive_settings_get()
        current.retrain_every_days, current.target_stage, current.updated_at = retrain_every_days, target_stage, clock.now()
        current.save()
        schedule_retrain_check()
    return current


def next_retrain_at(*, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the schedule next wants a model; None when retraining is off. Counted from the
    last run's start whatever its outcome: a history that cannot train is retried once
    per interval, not on every check."""
    current = predictive_settings_get()
    if not current.retrain_every_days:
        return None
    last = PredictiveModel.objects.order_by("-created_at", "-id").values_list("created_at", flat=True).first()
    if last is None:
        return now or clock.now()
    return last + dt.timedelta(days=current.retrain_every_days)


def retrain_if_due(*, now: dt.datetime | None = None) -> PredictiveModel | None:
    """Queues a run when the schedule is on, the last model is old enough and no run is
    under way; returns the queued run (None when nothing was due)."""
    now = now or clock.now()
    due = next_retrain_at(now=now)
    if due is None or due > now or _in_progress() is not None:
        return None
    return predictive_train_queue(target_stage=predictive_settings_get().target_stage, trigger="schedule")


def schedule_retrain_check() -> None:
    """Makes sure exactly one future check is queued while the schedule is on: at the
    next due moment, or in an hour while a run is under way."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from .tasks import predictive_retrain_due

    due = next_retrain_at()
    if due is None:
        return
    now = clock.now()
    at = max(due, now) if _in_progress() is None else now + CHECK_AGAIN_WHILE_RUNNING
    waiting = DBTaskResult.objects.filter(task_path=predictive_retrain_due.module_path, status=TaskResultStatus.READY)
    if waiting.exists():
        waiting.filter(run_after__gt=at).update(run_after=at)  # a shorter interval was just chosen
        return
    with transaction.atomic():
        enqueue(predictive_retrain_due.using(run_after=at))
