"""Who runs background work, and whether they still do: one `WorkerProcess` row per worker
process (the `sarnakh worker` loop, the worker thread inside `sarnakh serve`, a
command-line import) with a heartbeat its `Heartbeat` thread refreshes every few seconds.

A worker is alive while its heartbeat is younger than DEAD_AFTER and it has not stopped.
Records that a worker is running (a RUNNING job, an import, a re-score or training run)
name the worker, so a dead worker's work is found and taken over, and nothing stays
"running" for ever.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db.models import F

from sarnakh.core import clock
from sarnakh.core.models import WorkerProcess

BEAT_EVERY = dt.timedelta(seconds=5)
DEAD_AFTER = dt.timedelta(seconds=20)  # four missed beats
FORGET_AFTER = dt.timedelta(days=1)  # rows of stopped or dead workers are kept this long for the admin page

_current = threading.local()


def worker_register(*, worker_id: str, kind: str) -> WorkerProcess:
    now = clock.now()
    worker, _created = WorkerProcess.objects.update_or_create(
        pk=worker_id,
        defaults={"kind": kind, "hostname": socket.gethostname()[:255], "pid": os.getpid(), "started_at": now,
                  "last_seen": now, "stopped_at": None},
    )
    return worker


def worker_beat(*, worker_id: str) -> bool:
    """One UPDATE (cheap on SQLite too); False when the row is gone (pruned while this
    process was frozen): the caller registers again."""
    return WorkerProcess.objects.filter(pk=worker_id, stopped_at__isnull=True).update(last_seen=clock.now()) == 1


def worker_stop(*, worker_id: str) -> None:
    """A clean exit: the row stays for the admin page; whatever it still held is free to take."""
    WorkerProcess.objects.filter(pk=worker_id).update(stopped_at=clock.now())


def workers_forget_old(*, now: dt.datetime | None = None) -> int:
    cutoff = (now or clock.now()) - FORGET_AFTER
    deleted, _by_model = WorkerProcess.objects.filter(last_seen__lt=cutoff).delete()
    return deleted


def is_alive(worker: WorkerProcess, *, now: dt.datetime | None = None) -> bool:
    return worker.stopped_at is None and worker.last_seen >= (now or clock.now()) - DEAD_AFTER


def dead_worker_ids(worker_ids: Iterable[str], *, now: dt.datetime | None = None) -> set[str]:
    """Those of `worker_ids` that stopped, stopped beating, or are not known any more."""
    wanted = {w for w in worker_ids if w}
    if not wanted:
        return set()
    now = now or clock.now()
    alive = {w.pk for w in WorkerProcess.objects.filter(pk__in=wanted) if is_alive(w, now=now)}
    return wanted - alive


def may_take_over(worker_id: str) -> bool:
    """Whether this thread may take over a record another worker marked as running: none
    was recorded (older rows, work run outside a worker), it is this worker, or it died."""
    return not worker_id or worker_id == current_worker_id() or worker_id in dead_worker_ids([worker_id])


def worker_list(*, limit: int = 100) -> list[WorkerProcess]:
    """Running workers first, then the most recently seen."""
    return list(WorkerProcess.objects.order_by(F("stopped_at").asc(nulls_first=True), "-last_seen")[:limit])


def current_worker_id() -> str:
    """The registered worker this thread works for ("" outside one)."""
    return getattr(_current, "worker_id", "")


@contextmanager
def working_as(worker_id: str) -> Iterator[None]:
    previous = current_worker_id()
    _current.worker_id = worker_id
    try:
        yield
    finally:
        _current.worker_id = previous
