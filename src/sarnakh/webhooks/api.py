"""/api/v1/webhooks: outbound webhooks, their delivery log, redelivery and test pings."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.cursors import decode_id_cursor, encode_id_cursor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.webhooks import delivery_services, selectors, services
from sarnakh.webhooks.models import WebhookDelivery

router = Router(tags=["webhooks"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}

EVENTS_HELP = 'Event names from `GET /webhooks/event-types`, or `["*"]` for every event (also those added later).'
FORMAT_HELP = "`json`: the signed event document (docs/webhooks.md); `slack`: `{\"text\": …}` for a Slack incoming-webhook URL."


class WebhookIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    url: str = Field(..., description="http:// or https:// address that receives the events (POST).")
    events: list[str] = Field(..., description=EVENTS_HELP)
    name: str = Field("", description="A label for people.")
    payload_format: Literal["json", "slack"] = Field("json", description=FORMAT_HELP)
    is_active: bool = True


class WebhookPatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    url: str | None = None
    events: list[str] | None = Field(None, description=EVENTS_HELP)
    name: str | None = None
    payload_format: Literal["json", "slack"] | None = None
    is_active: bool | None = Field(None, description="`true` switches a webhook back on (also one switched off for failing).")


class WebhookLastDeliveryOut(Schema):
    status: str
    status_code: int | None
    attempted_at: dt.datetime | None


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    payload_format: str
    is_active: bool
    disabled_reason: str = Field(..., description="`failing` when Sarnakh switched it off after a day of failed deliveries; else empty.")
    disabled_at: dt.datetime | None
    failing_since: dt.datetime | None = Field(..., description="Start of the current run of failed attempts (none succeeded since).")
    consecutive_failures: int
    last_success_at: dt.datetime | None
    last_delivery: WebhookLastDeliveryOut | None
    created_at: dt.datetime
    updated_at: dt.datetime


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(..., description="Signs every delivery. Shown in this answer only: store it now.")


class WebhookAttemptOut(Schema):
    number: int
    manual: bool
    started_at: dt.datetime
    duration_ms: int
    status_code: int | None
    succeeded: bool
    error_kind: str
    error: str
    response_body: str = Field(..., description="The start of the receiver's answer (2 KB).")


class WebhookDeliveryOut(Schema):
    id: int
    webhook_id: int
    event_id: int | None = Field(..., description="The event's id (the `id` in the body); null for a test ping.")
    event_name: str
    status: str = Field(..., description="pending, sending, retrying, delivered or failed")
    attempt_count: int
    next_attempt_at: dt.datetime | None
    redelivery_queued: bool
    last_status_code: int | None
    last_duration_ms: int | None
    last_error_kind: str
    last_error: str
    last_attempt_at: dt.datetime | None
    delivered_at: dt.datetime | None
    created_at: dt.datetime
    attempts: list[WebhookAttemptOut]


class WebhookDeliveryDetailOut(WebhookDeliveryOut):
    body: str = Field(..., description="The body sent, as sent.")


class WebhookDeliveryPage(Schema):
    items: list[WebhookDeliveryOut]
    next_cursor: str | None


class WebhookEventTypeOut(Schema):
    name: str
    label: str
    group: str
    payload_schema: dict[str, Any] = Field(..., description="JSON Schema of the event's `data`.")


def _webhook(webhook) -> dict:
    last_status = getattr(webhook, "last_status", None)
    return {
        "id": webhook.pk, "name": webhook.name, "url": webhook.url, "events": webhook.events, "payload_format": webhook.payload_format,
        "is_active": webhook.is_active, "disabled_reason": webhook.disabled_reason, "disabled_at": webhook.disabled_at,
        "failing_since": webhook.failing_since, "consecutive_failures": webhook.consecutive_failures,
        "last_success_at": webhook.last_success_at, "created_at": webhook.created_at, "updated_at": webhook.updated_at,
        "last_delivery": {"status": last_status, "status_code": webhook.last_status_code, "attempted_at": webhook.last_attempt_at}
        if last_status else None,
    }


def _with_secret(webhook) -> dict:
    return {**_webhook(selectors.webhook_get(webhook.pk)), "secret": webhook.secret}


def _attempt(attempt) -> dict:
    return {
        "number": attempt.number, "manual": attempt.manual, "started_at": attempt.started_at, "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code, "succeeded": attempt.succeeded, "error_kind": attempt.error_kind, "error": attempt.error,
        "response_body": attempt.response_body,
    }


def _delivery(delivery, *, body: bool = False) -> dict:
    out = {
        "id": delivery.pk, "webhook_id": delivery.webhook_id, "event_id": delivery.event_id, "event_name": delivery.event_name,
        "status": delivery.status, "attempt_count": delivery.attempts, "next_attempt_at": delivery.next_attempt_at,
        "redelivery_queued": delivery.manual_requested, "last_status_code": delivery.last_status_code,
        "last_duration_ms": delivery.last_duration_ms, "last_error_kind": delivery.last_error_kind, "last_error": delivery.last_error,
        "last_attempt_at": delivery.last_attempt_at, "delivered_at": delivery.delivered_at, "created_at": delivery.created_at,
        "attempts": [_attempt(a) for a in delivery.attempt_log.all()],
    }
    if body:
        out["body"] = delivery.body
    return out


def _get(webhook_id: int):
    webhook = selectors.webhook_get(webhook_id)
    if webhook is None:
        raise NotFound(_("No webhook with the id %(id)s.") % {"id": webhook_id})
    return webhook




@router.get("", response={200: list[WebhookOut], **ERRORS}, summary="List webhooks",
            description="Every webhook with its last delivery. The secret is never shown here.")
def list_webhooks(request):
    return [_webhook(w) for w in selectors.webhook_list()]


@router.post("", auth=write_auth, response={201: WebhookWithSecretOut, **ERRORS}, summary="Add a webhook",
             description="Creates a webhook and its signing secret, which this answer shows once. The URL must be "
                         "http(s) and must not resolve to a loopback, private, link-local or metadata address "
                         "(unless the operator allows private ones): 422 naming `url`. " + EVENTS_HELP)
def create_webhook(request, payload: WebhookIn):
    webhook = services.webhook_create(
        url=payload.url, events=payload.events, name=payload.name, payload_format=payload.payload_format, is_active=payload.is_active
    )
    return Status(201, _with_secret(webhook))


@router.get("/event-types", response={200: list[WebhookEventTypeOut], **ERRORS}, summary="Event types a webhook can receive",
            description="Every domain event type, with the JSON Schema of its `data`.")
def list_webhook_event_types(request):
    return [{"name": t.name, "label": t.label, "group": t.group, "payload_schema": t.schema} for t in selectors.event_types()]


@router.get("/{int:webhook_id}", response={200: WebhookOut, **ERRORS}, summary="One webhook")
def get_webhook(request, webhook_id: DbId):
    return _webhook(_get(webhook_id))


@router.patch("/{int:webhook_id}", auth=write_auth, response={200: WebhookOut, **ERRORS}, summary="Change a webhook or switch it on or off",
              description="Only the fields sent change. `is_active: true` switches it back on and clears its failure count.")
def update_webhook(request, webhook_id: DbId, payload: WebhookPatch):
    services.webhook_update(
        webhook_id=webhook_id, url=payload.url, events=payload.events, name=payload.name, payload_format=payload.payload_format,
        is_active=payload.is_active,
    )
    return _webhook(_get(webhook_id))


@router.delete("/{int:webhook_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a webhook",
               description="With its delivery log; nothing more is sent to it.")
def delete_webhook(request, webhook_id: DbId):
    services.webhook_delete(webhook_id=webhook_id)
    return HttpResponse(status=204)


@router.post("/{int:webhook_id}/rotate-secret", auth=write_auth, response={200: WebhookWithSecretOut, **ERRORS},
             summary="Give a webhook a new secret",
             description="The answer shows the new secret once. For 24 hours deliveries carry a signature with the old "
                         "secret too, so the receiver can switch over.")
def rotate_webhook_secret(request, webhook_id: DbId):
    return _with_secret(services.webhook_rotate_secret(webhook_id=webhook_id))


@router.post("/{int:webhook_id}/test", auth=write_auth, response={202: WebhookDeliveryOut, **ERRORS}, summary="Send a test event",
             description="Sends a `webhook.test` event once, now (also to a switched-off webhook). Its result shows in the delivery log.")
def test_webhook(request, webhook_id: DbId):
    delivery = delivery_services.webhook_send_test(webhook_id=webhook_id)
    return Status(202, _delivery(selectors.delivery_get(webhook_id, delivery.pk)))


@router.get("/{int:webhook_id}/deliveries", response={200: WebhookDeliveryPage, **ERRORS}, summary="A webhook's delivery log",
            description="Deliveries newest first, each with its attempts (status code, duration, error). `status` filters "
                        "(pending, sending, retrying, delivered, failed); `limit` 1–200 (50); follow `next_cursor`. "
                        "The log keeps 30 days.")
def list_webhook_deliveries(request, webhook_id: DbId, status: str | None = None, cursor: str | None = None, limit: int = 50):
    _get(webhook_id)
    if not 1 <= limit <= 200:
        raise ValidationFailed(_("Limit must be between 1 and 200."), fields={"limit": [_("Use 1 to 200.")]})
    if status and status not in WebhookDelivery.Status.values:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={"status": [_("Use one of: %(values)s.") % {"values": ", ".join(WebhookDelivery.Status.values)}]},
        )
    rows, next_id = selectors.delivery_page(webhook_id, before_id=decode_id_cursor(cursor), status=status or None, limit=limit)
    return {"items": [_delivery(d) for d in rows], "next_cursor": encode_id_cursor(next_id)}


@router.get("/{int:webhook_id}/deliveries/{int:delivery_id}", response={200: WebhookDeliveryDetailOut, **ERRORS},
            summary="One delivery with its body and attempts")
def get_webhook_delivery(request, webhook_id: DbId, delivery_id: DbId):
    delivery = selectors.delivery_get(webhook_id, delivery_id)
    if delivery is None:
        raise NotFound(_("No delivery with the id %(id)s for this webhook.") % {"id": delivery_id})
    return _delivery(delivery, body=True)


@router.post("/{int:webhook_id}/deliveries/{int:delivery_id}/redeliver", auth=write_auth, response={202: WebhookDeliveryOut, **ERRORS},
             summary="Send a delivery again",
             description="One more attempt, now, with the same body and event id (receivers dedupe on them), whatever the "
                         "delivery's status. 409 while an attempt of it is under way.")
def redeliver_webhook_delivery(request, webhook_id: DbId, delivery_id: DbId):
    delivery_services.delivery_redeliver(webhook_id=webhook_id, delivery_id=delivery_id)
    return Status(202, _delivery(selectors.delivery_get(webhook_id, delivery_id)))
