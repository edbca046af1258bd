"""Background work on django-tasks with its database backend.

Jobs are rows in the same database as the data they act on. `enqueue` inserts the row
inside the caller's transaction, so a job exists exactly when the change that asked for
it committed (a transactional outbox): nothing is enqueued for a rolled-back change and
nothing is lost if the process dies right after commit. Workers claim rows with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and an exclusive transaction on SQLite,
so two workers never run the same job.

Embedded mode runs one worker thread inside `sarnakh serve`; scale-out runs any number
of `sarnakh worker` processes. Each beats a heartbeat (heartbeat.py); a job whose worker
died goes back to the queue within a minute (reclaim.py). Job functions must be
idempotent: they take ids, call one service, and check their idempotency key before a
side effect.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from dataclasses import dataclass

from django.db import close_old_connections
from django.db.models import Count
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from sarnakh.core.errors import Conflict, NotFound
from sarnakh.core.heartbeat import Heartbeat
from sarnakh.core.models import WorkerProcess

logger = logging.getLogger("sarnakh.jobs")

ALL_QUEUES = ["*"]


def enqueue(task: Task, *args, **kwargs):
    """Queue `task` in the current transaction (visible to workers once it commits)."""
    return task.enqueue(*args, **kwargs)


def make_worker(*, interval: float = 0.2, batch: bool = False, max_tasks: int | None = None) -> Worker:
    return Worker(
        queue_names=ALL_QUEUES,
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )


def _claim_next(worker: Worker) -> DBTaskResult | None:
    ready = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
    with exclusive_transaction(ready.db):
        job = ready.get_locked()
        if job is not None:
            job.claim(worker.worker_id)
    return job


# Jobs may queue jobs; a drain that keeps finding new ones stops after this many.
MAX_DRAIN_JOBS = 100_000


def run_pending_jobs(*, limit: int = MAX_DRAIN_JOBS) -> int:
    """Run ready jobs in this thread until none is left (or `limit` ran); returns how many ran.

    Unlike `Worker.run` it never closes the database connection, so it also works inside
    a test's transaction and in a request.
    """
    worker = make_worker(interval=0, batch=True)
    ran = 0
    while ran < limit:
        job = _claim_next(worker)
        if job is None:
            break
        worker.run_task(job)
        ran += 1
    return ran


def job_counts() -> dict[str, int]:
    counts = {status: 0 for status in TaskResultStatus.values}
    for row in DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


@dataclass(frozen=True)
class JobRow:
    id: str
    task_name: str
    queue_name: str
    worker_id: str
    attempts: int
    enqueued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str  # failed jobs: the exception's last line


def _job_row(job: DBTaskResult) -> JobRow:
    lines = [line for line in (job.traceback or "").strip().splitlines() if line.strip()]
    return JobRow(
        id=str(job.pk), task_name=job.task_path.rsplit(".", 1)[-1], queue_name=job.queue_name,
        worker_id=job.worker_ids[-1] if job.worker_ids else "", attempts=len(job.worker_ids),
        enqueued_at=job.enqueued_at, started_at=job.started_at, finished_at=job.finished_at,
        error=(lines[-1] if lines else job.exception_class_path)[:500],
    )


def jobs_running(*, limit: int = 50) -> list[JobRow]:
    jobs = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by("started_at")
    return [_job_row(job) for job in jobs.defer("args_kwargs", "return_value")[:limit]]


def jobs_failed(*, limit: int = 20) -> list[JobRow]:
    jobs = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).order_by("-finished_at")
    return [_job_row(job) for job in jobs.defer("args_kwargs", "return_value")[:limit]]


def job_requeue(*, job_id: str) -> None:
    """A failed job runs again from the start (its attempts count starts over)."""
    try:
        job_uuid = uuid.UUID(str(job_id))
    except ValueError:
        raise NotFound(_("Job not found.")) from None
    if not DBTaskResult.objects.filter(pk=job_uuid).exists():
        raise NotFound(_("Job not found."))
    updated = DBTaskResult.objects.filter(pk=job_uuid, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, started_at=None, finished_at=None, worker_ids=[], return_value=None,
        exception_class_path="", traceback="",
    )
    if not updated:
        raise Conflict(_("Only a failed job can be queued again."))


class BackgroundWorkerThread(threading.Thread):
    """The embedded-mode worker: a daemon thread inside the web server process, with its
    heartbeat (it also takes over jobs of workers that died, its own earlier run's too)."""

    def __init__(self, *, interval: float = 0.2):
        super().__init__(name="sarnakh-worker", daemon=True)
        self.worker = make_worker(interval=interval)

    def run(self) -> None:
        try:
            with Heartbeat(worker_id=self.worker.worker_id, kind=WorkerProcess.Kind.EMBEDDED, watch_jobs=True):
                self.worker.run()
        except Exception:  # the server must keep answering even if the worker loop dies
            logger.exception("embedded background worker stopped")
        finally:
            close_old_connections()

    def stop(self, *, wait: float = 5) -> None:
        """Asks the loop to stop after its current job. A job still running when the
        process exits is left to other workers: the heartbeat goes silent with the process."""
        self.worker.running = False
        if self.is_alive():
            self.join(timeout=wait)
