"""Jobs left RUNNING by a worker that died go back to READY, found by the heartbeats of
the workers still running (see workers.py and heartbeat.py)."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock
from sarnakh.core.models import WorkerProcess
from sarnakh.core.workers import DEAD_AFTER

logger = logging.getLogger("sarnakh.jobs")

STALE_AFTER = dt.timedelta(minutes=15)  # for jobs of workers without a heartbeat
MAX_CLAIMS = 5
RECLAIM_SCAN = 500  # RUNNING jobs looked at per check: about one per live worker


class WorkerDied(Exception):
    """Recorded on a job given up after its workers died MAX_CLAIMS times running it."""


@dataclass(frozen=True)
class Released:
    """A RUNNING job whose worker died, put back to READY (or failed: `gave_up`)."""

    job_id: str
    task_name: str
    worker_id: str
    reason: str  # "stopped", "silent" (heartbeat stopped) or "unknown" (no heartbeat known, old)
    gave_up: bool = False

    def describe(self) -> str:
        why = {"stopped": "its worker stopped", "silent": "its worker's heartbeat stopped",
               "unknown": f"no live worker known and started over {int(STALE_AFTER.total_seconds() // 60)} minutes ago"}[self.reason]
        worker = f" (worker {self.worker_id[:8]})" if self.worker_id else ""
        action = "marked failed after too many attempts" if self.gave_up else "back in the queue"
        return f"job {self.task_name} {self.job_id}{worker}: {why}; {action}"


class DeadWorkerWatch:
    """Finds RUNNING jobs whose worker died and puts them back to READY (jobs are idempotent).

    A worker is dead when it stopped, or when its heartbeat is older than DEAD_AFTER and
    stayed so while this watcher itself wrote two heartbeats: a database too busy for
    anyone to write (SQLite's single writer behind a long transaction) then delays both,
    and does not make a living worker look dead. Jobs of workers that never registered
    (`run_pending_jobs`, older versions) go back after STALE_AFTER. A job whose workers
    died MAX_CLAIMS times is marked failed instead, so a job that kills its worker does
    not loop for ever.
    """

    def __init__(self):
        self.beats = 0
        self._silent_since: dict[str, tuple[dt.datetime, int]] = {}  # worker → (its last_seen, my beats then)

    def beat(self) -> None:
        """Call after each heartbeat this process wrote."""
        self.beats += 1

    def check(self, *, now: dt.datetime | None = None) -> list[Released]:
        now = now or clock.now()
        running = list(
            DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).order_by("started_at")
            .only("id", "task_path", "worker_ids", "started_at")[:RECLAIM_SCAN]
        )
        last_worker = {job.pk: (job.worker_ids[-1] if job.worker_ids else "") for job in running}
        known = {w.pk: w for w in WorkerProcess.objects.filter(pk__in={w for w in last_worker.values() if w})}
        silent: dict[str, dt.datetime] = {}
        released = []
        for job in running:
            worker_id = last_worker[job.pk]
            reason = self._reason(known.get(worker_id), job, now, silent)
            if reason:
                outcome = _release(job, worker_id, reason, now)
                if outcome is not None:
                    released.append(outcome)
        self._note_silent(silent)
        return released

    def _note_silent(self, silent: dict[str, dt.datetime]) -> None:
        """Keeps the first sighting of each worker still silent with the same heartbeat;
        one that beat since, or is no longer silent, starts over."""
        noted = {}
        for worker_id, last_seen in silent.items():
            first = self._silent_since.get(worker_id)
            noted[worker_id] = first if first is not None and first[0] == last_seen else (last_seen, self.beats)
        self._silent_since = noted

    def _reason(self, worker: WorkerProcess | None, job: DBTaskResult, now: dt.datetime, silent: dict) -> str:
        if worker is None:
            return "unknown" if job.started_at is not None and job.started_at < now - STALE_AFTER else ""
        if worker.stopped_at is not None:
            return "stopped"
        if worker.last_seen >= now - DEAD_AFTER:
            return ""
        silent[worker.pk] = worker.last_seen
        first = self._silent_since.get(worker.pk)
        confirmed = first is not None and first[0] == worker.last_seen and self.beats - first[1] >= 2
        return "silent" if confirmed else ""


def _release(job: DBTaskResult, worker_id: str, reason: str, now: dt.datetime) -> Released | None:
    # Guarded by the claim it saw: a job another worker claimed since then is left alone.
    claimed = DBTaskResult.objects.filter(pk=job.pk, status=TaskResultStatus.RUNNING, started_at=job.started_at)
    gave_up = len(job.worker_ids) >= MAX_CLAIMS
    if gave_up:
        message = f"{WorkerDied.__module__}.WorkerDied: its worker died {len(job.worker_ids)} times while running it"
        updated = claimed.update(
            status=TaskResultStatus.FAILED, finished_at=now, return_value=None,
            exception_class_path=f"{WorkerDied.__module__}.WorkerDied", traceback=message,
        )
    else:
        updated = claimed.update(status=TaskResultStatus.READY, started_at=None)
    if not updated:
        return None
    logger.warning("released job %s of worker %s (%s)", job.pk, worker_id[:8], reason)
    return Released(job_id=str(job.pk), task_name=job.task_path.rsplit(".", 1)[-1], worker_id=worker_id, reason=reason, gave_up=gave_up)


