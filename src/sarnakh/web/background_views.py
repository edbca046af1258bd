"""Settings → Background work (admins): the workers and their heartbeats, jobs by status,
what is running where, failed jobs (queue one again), event deliveries that used all their
retries (run one again), and work interrupted by a worker that died (imports to resume,
re-score and training runs)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_tasks.base import TaskResultStatus

from sarnakh.capture.imports.selectors import imports_interrupted
from sarnakh.core import clock
from sarnakh.core.errors import DomainError
from sarnakh.core.event_log import deliveries_failed
from sarnakh.core.events import delivery_retry
from sarnakh.core.jobs import JobRow, job_counts, job_requeue, jobs_failed, jobs_running
from sarnakh.core.models import WorkerProcess
from sarnakh.core.ui.permissions import require
from sarnakh.core.workers import is_alive, worker_list
from sarnakh.scoring.selectors import runs_interrupted


def _status_labels() -> list[tuple[str, str]]:
    return [(TaskResultStatus.READY, _("Waiting")), (TaskResultStatus.RUNNING, _("Running")),
            (TaskResultStatus.FAILED, _("Failed")), (TaskResultStatus.SUCCESSFUL, _("Done"))]


@dataclass(frozen=True)
class WorkerView:
    worker: WorkerProcess
    state: str  # alive, silent, stopped
    silent_seconds: int


@dataclass(frozen=True)
class RunningJobView:
    job: JobRow
    worker: WorkerView | None
    age_seconds: int


def _worker_views() -> dict[str, WorkerView]:
    now = clock.now()
    views = {}
    for worker in worker_list():
        state = "stopped" if worker.stopped_at else ("alive" if is_alive(worker, now=now) else "silent")
        views[worker.pk] = WorkerView(worker=worker, state=state, silent_seconds=max(0, int((now - worker.last_seen).total_seconds())))
    return views


@require("settings.manage")
def settings_background(request):
    if request.method == "POST":
        if request.POST.get("action") == "retry_delivery":
            delivery_retry(batch=request.POST.get("batch", "")[:32], subscriber_key=request.POST.get("subscriber", "")[:120])
            messages.success(request, _("The delivery is queued again."))
        elif request.POST.get("action") == "requeue":
            try:
                job_requeue(job_id=request.POST.get("id", ""))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The job is queued again."))
        return redirect("web:settings_background")
    now = clock.now()
    workers = _worker_views()
    running = [
        RunningJobView(job=job, worker=workers.get(job.worker_id),
                       age_seconds=max(0, int((now - job.started_at).total_seconds())) if job.started_at else 0)
        for job in jobs_running()
    ]
    counts = job_counts()
    context = {
        "tab": "background",
        "workers": list(workers.values()),
        "counts": [(label, counts.get(status, 0), status) for status, label in _status_labels()],
        "running": running,
        "failed": jobs_failed(),
        "imports": imports_interrupted(),
        "runs": runs_interrupted(),
        "failed_deliveries": deliveries_failed(),
    }
    return render(request, "web/settings/background.html", context)
