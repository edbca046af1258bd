"""Reads for the webhook pages and API: webhooks with their last delivery, the delivery
log, the event types one can subscribe to, and who is told when a webhook is switched off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, Q, Subquery

from sarnakh.core.events import ALL_EVENTS, EVENT_TYPES
from sarnakh.core.roles import ADMIN
from sarnakh.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

PAGE_SIZE = 50


def _with_last_delivery():
    newest = WebhookDelivery.objects.filter(webhook=OuterRef("pk")).order_by("-id")
    return Webhook.objects.annotate(
        last_status=Subquery(newest.values("status")[:1]),
        last_status_code=Subquery(newest.values("last_status_code")[:1]),
        last_attempt_at=Subquery(newest.values("last_attempt_at")[:1]),
    )


def webhook_list() -> list[Webhook]:
    """Every webhook, oldest first, each with `last_status`, `last_status_code` and
    `last_attempt_at` of its newest delivery (None when it has none)."""
    return list(_with_last_delivery().order_by("id"))


def webhook_get(webhook_id: int) -> Webhook | None:
    return _with_last_delivery().filter(pk=webhook_id).first()


def webhooks_switched_off_for_failing() -> list[Webhook]:
    return list(Webhook.objects.filter(is_active=False, disabled_reason=Webhook.DisabledReason.FAILING).order_by("-disabled_at"))


def delivery_page(
    webhook_id: int, *, before_id: int | None = None, status: str | None = None, limit: int = PAGE_SIZE
) -> tuple[list[WebhookDelivery], int | None]:
    """Deliveries of a webhook newest first, with their attempts (`attempt_log`), and the
    id to pass as `before_id` for the next page (None on the last)."""
    queryset = WebhookDelivery.objects.filter(webhook_id=webhook_id)
    if before_id is not None:
        queryset = queryset.filter(id__lt=before_id)
    if status:
        queryset = queryset.filter(status=status)
    rows = list(
        queryset.order_by("-id").prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))[: limit + 1]
    )
    next_id = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_id


def delivery_get(webhook_id: int, delivery_id: int) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(pk=delivery_id, webhook_id=webhook_id)
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
        .first()
    )


def last_failed_delivery(webhook_id: int) -> WebhookDelivery | None:
    return WebhookDelivery.objects.filter(webhook_id=webhook_id, status=WebhookDelivery.Status.FAILED).order_by("-last_attempt_at", "-id").first()


@dataclass(frozen=True)
class EventTypeInfo:
    name: str
    label: str
    schema: dict[str, Any]
    group: str  # what comes before the dot: contact, form, behaviour, …


def event_types() -> list[EventTypeInfo]:
    """The event types registered now (core.events.EVENT_TYPES), by name."""
    return sorted(
        (EventTypeInfo(spec.key, str(spec.label), spec.config_schema, spec.key.split(".", 1)[0]) for spec in EVENT_TYPES),
        key=lambda info: info.name,
    )


def admin_emails() -> list[str]:
    """Addresses of the active admins (superusers and the admin role) that have one."""
    users = get_user_model().objects.filter(Q(is_superuser=True) | Q(groups__name=ADMIN), is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def any_webhook_wants(names: set[str]) -> bool:
    """Whether an active webhook wants one of these events: asked when a change publishes,
    so a site without webhooks pays one small query and no delivery for its events."""
    return any(
        ALL_EVENTS in events or names & set(events)
        for events in Webhook.objects.filter(is_active=True).values_list("events", flat=True)
    )
