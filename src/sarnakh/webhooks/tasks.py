"""Background entry points for webhooks: take ids, call one service, idempotent."""

from django_tasks import task

from sarnakh.webhooks import delivery_services


@task()
def send_webhook_delivery(delivery_id: int, attempt: int) -> str:
    # Automatic attempt number `attempt`; made once however often this runs.
    return delivery_services.delivery_attempt(delivery_id=delivery_id, attempt=attempt)


@task()
def redeliver_webhook_delivery(delivery_id: int) -> str:
    # The redelivery (or test ping) asked for; sent once however often this runs.
    return delivery_services.delivery_attempt(delivery_id=delivery_id, manual=True)


@task()
def notify_webhook_disabled(webhook_id: int) -> int:
    # Written to the admins once per switch-off.
    return delivery_services.webhook_disabled_notify(webhook_id=webhook_id)
