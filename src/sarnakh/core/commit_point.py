"""Committing a transaction with one step right before the COMMIT and one right after it.

A campaign worker hands SMTP's end-of-data dot to the kernel held back, commits the
message as sent, then lets the dot go (mail.delivery.transport, docs/email-campaigns.md
"Exactly once"). A process killed between the hand-over and the COMMIT's write sends the
message without its record (a retry sends it again), so nothing should sit between the
two: `commit_between` sends COMMIT the moment `before` returns. Django's own commit only
happens when the `atomic` block ends, after whatever the caller does on the way out, and
runs the on-commit hooks before returning; here `after` runs as soon as the database
answered, and the hooks after it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.db.transaction import TransactionManagementError


def commit_between(before: Callable[[], None], after: Callable[[], None]) -> None:
    """The last statement of an outermost `transaction.atomic()` block: runs `before`,
    commits, runs `after`. When `before` raises nothing is committed (the block rolls
    back); when the COMMIT fails DatabaseError is raised and `after` does not run; an
    exception from `after` propagates with the transaction committed.

    Inside a nested block (a test wraps each test in a transaction) nothing can commit
    here: `before` and `after` just run and the outer block decides."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("commit_between() must end an atomic block")
    if connection.needs_rollback:
        raise TransactionManagementError("commit_between() in a transaction that must roll back")
    if len(connection.atomic_blocks) > 1 or connection.savepoint_ids:
        before()
        after()
        return
    if connection.vendor == "postgresql":
        _commit_postgresql(before)
    else:
        before()
        with connection.wrap_database_errors:
            connection.connection.commit()
    after()


def _commit_postgresql(before: Callable[[], None]) -> None:
    # psycopg's commit() has a lock, a generator and a status check before COMMIT is
    # written; libpq's send_query writes it straight away (the answer is read as psycopg
    # reads its own, through its generators).
    from psycopg import generators, pq

    raw = connection.connection
    pgconn = raw.pgconn
    with raw.lock:
        before()
        pgconn.send_query(b"COMMIT")
        raw.wait(generators.send(pgconn))
        results = raw.wait(generators.fetch_many(pgconn))
    if len(results) != 1 or results[0].status != pq.ExecStatus.COMMAND_OK or results[0].command_status != b"COMMIT":
        message = results[0].error_message.decode(errors="replace") if results else ""
        raise DatabaseError(f"COMMIT failed: {message or (results[0].command_status if results else 'no answer')!r}")
