"""Background work on django-tasks with its database backend.

Jobs are rows in the same database as the data they act on. `enqueue` inserts the row
inside the caller's transaction, so a job exists exactly when the change that asked for
it committed (a transactional outbox): nothing is enqueued for a rolled-back change and
nothing is lost if the process dies right after commit. Workers claim rows with
`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL and an exclusive transaction on SQLite,
so two workers never run the same job.

Embedded mode runs one worker thread inside `sarnakh serve`; scale-out runs any number
of `sarnakh worker` processes. Job functions must be idempotent: they take ids, call one
service, and check their idempotency key before a side effect.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from sarnakh.core import clock

logger = logging.getLogger("sarnakh.jobs")

ALL_QUEUES = ["*"]
STALE_AFTER = dt.timedelta(minutes=15)


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


def requeue_stale_jobs(*, older_than: dt.timedelta = STALE_AFTER) -> int:
    """Jobs left RUNNING by a worker that died go back to READY (they are idempotent)."""
    cutoff = clock.now() - older_than
    return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff).update(
        status=TaskResultStatus.READY, started_at=None
    )


def job_counts() -> dict[str, int]:
    counts = {status: 0 for status in TaskResultStatus.values}
    for row in DBTaskResult.objects.values("status").order_by():
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


class BackgroundWorkerThread(threading.Thread):
    """The embedded-mode worker: a daemon thread inside the web server process."""

    def __init__(self, *, interval: float = 0.2):
        super().__init__(name="sarnakh-worker", daemon=True)
        self.worker = make_worker(interval=interval)

    def run(self) -> None:
        try:
            requeue_stale_jobs()
            self.worker.run()
        except Exception:  # the server must keep answering even if the worker loop dies
            logger.exception("embedded background worker stopped")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.worker.running = False
