"""Time and ESP webhooks, not domain events: every worker's housekeeping queues a read of
the bounce mailbox when one is configured, and anymail's tracking signal hands each ESP
event to the service (no logic here). Imported by mail/subscribers.py, which core discovers."""

from __future__ import annotations

from anymail.signals import tracking
from django.dispatch import receiver

from sarnakh.core.housekeeping import periodic
from sarnakh.core.jobs import enqueue
from sarnakh.mail.bounces import services, tasks


@periodic("mail.bounces.process_mailbox", every=tasks.CHECK_EVERY)
def queue_process_mailbox() -> None:
    if services.mailbox_configured():
        enqueue(tasks.process_mailbox)


@receiver(tracking, dispatch_uid="sarnakh.mail.bounces.esp_tracking")
def esp_tracking(sender, event, esp_name, **kwargs) -> None:
    services.esp_tracking_receive(esp=esp_name, event=event)
