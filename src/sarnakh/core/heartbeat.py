"""The heartbeat of a worker process, beaten by a thread of its own: a long job blocks the
job loop, so the loop cannot be the one saying the process is alive.

    with Heartbeat(worker_id=worker.worker_id, kind=WorkerProcess.Kind.WORKER, watch_jobs=True):
        worker.run()

Entering registers the worker and marks the current thread as working for it (imports and
runs record it); the thread then refreshes `last_seen` every BEAT_EVERY and, with
`watch_jobs`, looks for jobs of dead workers every CHECK_EVERY (bounded: one scan of the
RUNNING jobs). Leaving marks the worker stopped.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils.crypto import get_random_string

from sarnakh.core import event_log, housekeeping
from sarnakh.core.models import WorkerProcess
from sarnakh.core.reclaim import DeadWorkerWatch, Released
from sarnakh.core.workers import (
    BEAT_EVERY,
    worker_beat,
    worker_register,
    worker_stop,
    workers_forget_old,
    working_as,
)

logger = logging.getLogger("sarnakh.jobs")

CHECK_EVERY = dt.timedelta(seconds=10)


class Heartbeat(threading.Thread):
    def __init__(self, *, worker_id: str, kind: str, watch_jobs: bool = False,
                 on_release: Callable[[Released], None] | None = None):
        super().__init__(name=f"sarnakh-heartbeat-{worker_id[:8]}", daemon=True)
        self.worker_id = worker_id
        self.kind = kind
        self.watch = DeadWorkerWatch() if watch_jobs else None
        self.on_release = on_release
        self._stopping = threading.Event()
        self._next_check = 0.0
        self._working_as = working_as(worker_id)

    def __enter__(self) -> Heartbeat:
        worker_register(worker_id=self.worker_id, kind=self.kind)
        self._working_as.__enter__()
        if self.watch is not None:
            self._check()  # before the first job: what stopped workers left runs first
        self._next_check = time.monotonic() + CHECK_EVERY.total_seconds()
        # Registered inside a transaction not yet committed (a test's), the row is invisible
        # to other connections: beating it from the thread's own would only wait on it.
        if not connection.in_atomic_block:
            self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._working_as.__exit__(*exc_info)
        self.stop()

    def stop(self) -> None:
        """Stops beating and marks the worker stopped (its leftover jobs are free to take)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout=BEAT_EVERY.total_seconds() + 30)
        try:
            worker_stop(worker_id=self.worker_id)
        except Exception:  # the process is on its way out; its silence will say the same
            logger.exception("could not mark worker %s stopped", self.worker_id[:8])

    def run(self) -> None:
        try:
            while not self._stopping.wait(BEAT_EVERY.total_seconds()):
                self._beat()
                if self.watch is not None and time.monotonic() >= self._next_check:
                    self._check()
                    self._next_check = time.monotonic() + CHECK_EVERY.total_seconds()
        finally:
            connection.close()

    def _beat(self) -> None:
        try:
            if not worker_beat(worker_id=self.worker_id):
                worker_register(worker_id=self.worker_id, kind=self.kind)
        except Exception:  # a busy or unreachable database: the next beat tries again
            logger.warning("heartbeat of worker %s not written", self.worker_id[:8], exc_info=True)
            close_old_connections()
            return
        if self.watch is not None:
            self.watch.beat()

    def _check(self) -> None:
        try:
            released = self.watch.check()
            workers_forget_old()
            event_log.prune_if_due()
            housekeeping.run_due()
        except Exception:
            logger.warning("looking for jobs of dead workers failed", exc_info=True)
            close_old_connections()
            return
        for outcome in released:
            if self.on_release is not None:
                self.on_release(outcome)


def command_heartbeat() -> Heartbeat:
    """For a command running work in the foreground (an import, a training run): if the
    process is killed, what it was running shows as interrupted once its heartbeat is
    DEAD_AFTER old."""
    return Heartbeat(worker_id=get_random_string(32), kind=WorkerProcess.Kind.COMMAND)
