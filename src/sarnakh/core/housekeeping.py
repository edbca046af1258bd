"""Periodic housekeeping the apps register: a function and how often it is due, run from
every worker's heartbeat check (core.heartbeat), as the event-log pruning is.

    @periodic("segments.refresh_due", every=dt.timedelta(minutes=15))
    def refresh_due() -> None:
        enqueue(tasks.refresh_due)   # long work goes to a job; the heartbeat thread stays quick

Due is decided per process (monotonic clock): with several workers each one calls the
function about every `every`, so it must be idempotent and cheap to repeat (enqueue a job
that skips what another process did recently). Apps register from a module core discovers
at start (`<app>/subscribers.py`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger("sarnakh.jobs")


@dataclass(frozen=True)
class Periodic:
    key: str
    every: dt.timedelta
    handler: Callable[[], object]


PERIODIC: dict[str, Periodic] = {}
_last_run: dict[str, float] = {}
_lock = threading.Lock()


def periodic(key: str, *, every: dt.timedelta):
    def register(handler: Callable[[], object]):
        if key in PERIODIC and PERIODIC[key].handler is not handler:
            raise ValueError(f"periodic housekeeping {key!r} is already registered")
        PERIODIC[key] = Periodic(key, every, handler)
        return handler

    return register


def run_due() -> list[str]:
    """Runs each registered function whose time has come in this process; their keys. One
    that raises is logged and tried again at its next time."""
    ran = []
    now = time.monotonic()
    for key in sorted(PERIODIC):
        spec = PERIODIC[key]
        with _lock:
            last = _last_run.get(key)
            if last is not None and now - last < spec.every.total_seconds():
                continue
            _last_run[key] = now
        try:
            spec.handler()
            ran.append(key)
        except Exception:
            logger.exception("housekeeping %s failed", key)
    return ran
