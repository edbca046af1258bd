"""Background entry point: read one batch of the bounce mailbox (idempotent: every message
is read once, whichever worker reads it)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from sarnakh.mail.bounces import services

CHECK_EVERY = dt.timedelta(minutes=5)


@task()
def process_mailbox() -> str:
    return str(services.mailbox_process())
