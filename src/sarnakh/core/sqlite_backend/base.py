"""SQLite backend with first-come write transactions inside one process.

SQLite allows one writer. Waiting writers normally sit in SQLite's busy handler, which
sleeps with growing back-off (up to 100 ms a try), so under load some wait far longer
than the lock is actually held. In embedded mode every writer is a thread of one
process, so a process-wide lock taken before `BEGIN IMMEDIATE` hands the database to
waiters in turn and wakes them the moment it is free. Other processes (a CLI import,
a second server) still meet SQLite's own lock as before.
"""

from __future__ import annotations

import threading

from django.db.backends.sqlite3 import base

_WRITE_LOCK = threading.Lock()
# No longer than SQLite's own busy timeout: past it, BEGIN fails as it would have anyway.
LOCK_WAIT_SECONDS = 20


class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self):
        self._holds_write_lock = _WRITE_LOCK.acquire(timeout=LOCK_WAIT_SECONDS)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_write_lock()
            raise

    def _release_write_lock(self):
        if self._holds_write_lock:
            self._holds_write_lock = False
            _WRITE_LOCK.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._release_write_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._release_write_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._release_write_lock()
