"""The fast path: deliveries are sent from a thread of this process right after the
transaction that created them commits, so a receiver hears of an event within about a
second instead of at the next worker poll.

The queued job of each delivery stays the guarantee: whichever of the two claims the
attempt first sends it, the other finds it taken (delivery_services). A thread never runs
in the request that caused the event, never more than MAX_THREADS at once (past that
the queue delivers), and never more than MAX_PER_THREAD deliveries each.
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connection, connections

logger = logging.getLogger("sarnakh.webhooks")

MAX_THREADS = 4
MAX_PER_THREAD = 20

_lock = threading.Lock()
_threads: set[threading.Thread] = set()


def start(delivery_ids: list[int], *, manual: bool) -> bool:
    """Runs on commit. Returns whether a thread was started."""
    if not delivery_ids:
        return False
    # Commit callbacks run inside an open transaction only when a test runs them by hand
    # (captured in its own transaction): another connection could not see the rows yet.
    if connection.in_atomic_block:
        return False
    with _lock:
        for thread in [t for t in _threads if not t.is_alive()]:
            _threads.discard(thread)
        if len(_threads) >= MAX_THREADS:
            return False
        thread = threading.Thread(
            target=_send, args=(list(delivery_ids[:MAX_PER_THREAD]), manual), name="sarnakh-webhook-send", daemon=True
        )
        _threads.add(thread)
    thread.start()
    return True


def _send(delivery_ids: list[int], manual: bool) -> None:
    from sarnakh.webhooks.delivery_services import delivery_attempt

    try:
        for delivery_id in delivery_ids:
            try:
                delivery_attempt(delivery_id=delivery_id, attempt=1, manual=manual, from_job=False)
            except Exception:  # its job sends it; this was only the fast path
                logger.exception("fast send of webhook delivery %s failed; its job will retry", delivery_id)
    finally:
        connections.close_all()  # this thread's own connections


def wait_idle(*, timeout: float = 30.0) -> bool:
    """Waits (at most `timeout` seconds in all) for the running sends to end; True when
    none is left. For an orderly shutdown and for tests."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            alive = [t for t in _threads if t.is_alive()]
        if not alive:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        alive[0].join(timeout=remaining)
