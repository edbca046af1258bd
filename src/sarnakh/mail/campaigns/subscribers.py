"""Not an event but time: every worker's housekeeping starts the campaigns whose time came
(and gives a sending campaign its workers back when deferred recipients came due)."""

from __future__ import annotations

from sarnakh.core.housekeeping import periodic
from sarnakh.core.jobs import enqueue
from sarnakh.mail.campaigns import tasks
from sarnakh.mail.campaigns.models import Campaign


@periodic("mail.campaigns.start_due", every=tasks.CHECK_EVERY)
def queue_start_due() -> None:
    if Campaign.objects.filter(status__in=(Campaign.Status.SCHEDULED, Campaign.Status.SENDING)).exists():
        enqueue(tasks.start_due)
