"""Background entry points for campaigns: a worker slice (sends for a bounded time, then
queues its successor while due recipients remain, so one campaign never holds the embedded
worker for long) and the periodic start of due campaigns."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from sarnakh.core.jobs import enqueue

# How long one job sends before it hands over to a fresh job (other jobs get their turn).
SLICE_SECONDS = 60.0
CHECK_EVERY = dt.timedelta(minutes=1)


@task()
def send_slice(campaign_id: int, slot: int = 0) -> int:
    """Sends for at most SLICE_SECONDS; queues the next slice while work is due."""
    from sarnakh.mail.campaigns import sending

    result = sending.run_worker(campaign_id, max_seconds=SLICE_SECONDS, wait_for_deferred=False)
    if result.more_due:
        enqueue(send_slice, campaign_id, slot)
    return result.sent


@task()
def start_due() -> int:
    """Campaigns whose time came (scheduled, or sending with deferred recipients now due)
    and no worker job queued: their workers start."""
    from sarnakh.mail.campaigns import sending

    return sending.start_due_campaigns()


def start_workers(campaign_id: int, count: int | None = None) -> None:
    """Queues `count` worker jobs (default SARNAKH_CAMPAIGN_WORKERS) in the caller's transaction."""
    from sarnakh.mail.campaigns.limits import limits

    for slot in range(count or limits().workers):
        enqueue(send_slice, campaign_id, slot)
