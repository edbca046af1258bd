"""Time, not events: every worker's housekeeping queues the check for scheduled audiences
(imported by segments/subscribers.py, which core discovers)."""

from __future__ import annotations

from sarnakh.core.housekeeping import periodic
from sarnakh.core.jobs import enqueue
from sarnakh.segments.audiences import selectors, tasks


@periodic("segments.audiences.export_due", every=tasks.CHECK_EVERY)
def queue_export_due() -> None:
    if selectors.any_scheduled() or selectors.audiences_dir().is_dir():
        enqueue(tasks.export_due)
