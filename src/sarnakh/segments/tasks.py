"""Background entry points for segments: take ids, call one service; idempotent."""

from __future__ import annotations

from django_tasks import task

from sarnakh.segments import services


@task()
def reevaluate_contacts(contact_ids: list[int], reason: str) -> int:
    """A large batch of touched contacts (an import batch), re-evaluated off the delivery."""
    return services.segment_reevaluate_contacts(contact_ids=contact_ids, reason=reason)


@task()
def refresh_all(reason: str = "scheduled refresh") -> int:
    return services.segment_refresh_all(reason=reason)
