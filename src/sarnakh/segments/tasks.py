"""Background entry points for segments: take ids, call one service; idempotent."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from sarnakh.segments import services

# Time alone moves members in and out of windows ("in the last 14 days"): every dynamic
# segment is rebuilt at least this often.
REFRESH_EVERY = dt.timedelta(minutes=15)


@task()
def reevaluate_contacts(contact_ids: list[int], reason: str, segment_ids: list[int] | None = None) -> int:
    """A large batch of touched contacts (an import batch), re-evaluated off the delivery:
    in every dynamic segment, or in `segment_ids`."""
    return services.segment_reevaluate_contacts(contact_ids=contact_ids, reason=reason, segment_ids=segment_ids)


@task()
def refresh_all() -> int:
    """Every dynamic segment rebuilt (after a bulk re-score changed many scores at once)."""
    return services.segment_refresh_all(reason="scoring.rescored")


@task()
def refresh_due() -> int:
    """The scheduled refresh: dynamic segments not refreshed in about REFRESH_EVERY."""
    return services.segment_refresh_due(older_than=REFRESH_EVERY - dt.timedelta(minutes=1))
