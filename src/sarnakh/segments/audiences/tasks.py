"""Background entry points for audiences: take ids, call one service; idempotent."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from sarnakh.segments.audiences import services

# How often the housekeeping looks for scheduled audiences that are due.
CHECK_EVERY = dt.timedelta(minutes=15)


@task()
def export_audience(export_id: int) -> int:
    """Writes a queued export's file; a finished one is left as it is."""
    return services.export_run(export_id=export_id).exported


@task()
def export_due() -> int:
    """Queues an export of every scheduled audience whose time has come."""
    return services.export_due()
