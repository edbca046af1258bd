"""Writes of the delivery side: the fan-out of events to webhooks, each attempt to send a
delivery (with its log row, retries and backoff), redelivery on demand, test pings, and
switching off a webhook that keeps failing (with a notice to the admins).

Sending is at-least-once, like Stripe's and GitHub's webhooks: a receiver dedupes on the
event id (or `Sarnakh-Delivery`). Within Sarnakh an attempt is claimed before it is sent
(status "sending", in a short transaction: the HTTP call holds no lock), so the queued
job and the in-process fast path never both send the same attempt; a claim left by a
process that died goes stale after CLAIM_SECONDS and the attempt is made again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from sarnakh import __version__
from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound
from sarnakh.core.events import ALL_EVENTS, Envelope
from sarnakh.core.jobs import enqueue
from sarnakh.webhooks import fast_send, payloads, selectors, sending, signing
from sarnakh.webhooks.models import Webhook, WebhookAttempt, WebhookDelivery

logger = logging.getLogger("sarnakh.webhooks")

# Seconds before each retry of a failed attempt: 10 attempts over about 24 hours.
RETRY_DELAYS = (30, 120, 600, 1800, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 8 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Longer than any attempt can take (sending.TOTAL_SECONDS plus a read timeout).
CLAIM_SECONDS = 120
LOG_RETENTION = dt.timedelta(days=30)
PRUNE_CHUNK = 200
USER_AGENT = f"Sarnakh-Webhooks/{__version__}"

Status = WebhookDelivery.Status
_OPEN = (Status.PENDING, Status.RETRYING)


# ---------------------------------------------------------------- fan-out


def deliveries_create(envelopes: list[Envelope]) -> list[int]:
    """One delivery per event and active webhook that wants it, each with its send job.
    An event that already has a webhook's delivery gets no second one (the batch was
    fanned out before), so running this again never sends twice."""
    webhooks = list(Webhook.objects.filter(is_active=True))
    if not webhooks or not envelopes:
        return []
    done = set(
        WebhookDelivery.objects.filter(webhook__in=webhooks, event_id__in=[e.id for e in envelopes]).values_list("webhook_id", "event_id")
    )
    now = clock.now()
    new: list[WebhookDelivery] = []
    for envelope in envelopes:
        data = envelope.event.payload()
        bodies: dict[str, str] = {}  # one per payload format
        for webhook in webhooks:
            wanted = ALL_EVENTS in webhook.events or envelope.name in webhook.events
            if not wanted or (webhook.pk, envelope.id) in done:
                continue
            if webhook.payload_format not in bodies:
                bodies[webhook.payload_format] = payloads.body_for(
                    webhook.payload_format, event_id=envelope.id, name=envelope.name, occurred_at=envelope.occurred_at, data=data
                )
            body = bodies[webhook.payload_format]
            new.append(WebhookDelivery(webhook=webhook, event_id=envelope.id, event_name=envelope.name, body=body, created_at=now))
    if not new:
        return []
    # PostgreSQL and SQLite (3.35+) give the new rows' ids back from one insert.
    ids = [d.pk for d in WebhookDelivery.objects.bulk_create(new)]
    from sarnakh.webhooks.tasks import send_webhook_delivery

    for delivery_id in ids:
        enqueue(send_webhook_delivery, delivery_id, 1)
    transaction.on_commit(partial(fast_send.start, ids, manual=False))
    return ids


# ---------------------------------------------------------------- attempts


@dataclass(frozen=True)
class _Claim:
    delivery_id: int
    number: int
    manual: bool
    url: str
    secrets: list[str]
    event_name: str
    body: bytes


def delivery_attempt(*, delivery_id: int, attempt: int = 1, manual: bool = False, from_job: bool = True) -> str:
    """Makes one attempt at a delivery: automatic attempt number `attempt`, or the manual
    redelivery asked for. Returns delivered, retrying, failed, busy (another attempt is
    under way), already (this attempt was made), off (webhook switched off) or gone."""
    claim = _claim(delivery_id, attempt=attempt, manual=manual, from_job=from_job)
    if isinstance(claim, str):
        return claim
    now = clock.now()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Sarnakh-Event": claim.event_name,
        "Sarnakh-Delivery": str(claim.delivery_id),
        "Sarnakh-Attempt": str(claim.number),
        signing.HEADER: signing.signature_header(claim.secrets, timestamp, claim.body),
    }
    outcome = sending.post(url=claim.url, body=claim.body, headers=headers, allow_private=settings.SARNAKH_WEBHOOKS_ALLOW_PRIVATE)
    return _record(claim, outcome, started_at=now)


def _claim(delivery_id: int, *, attempt: int, manual: bool, from_job: bool) -> _Claim | str:
    from sarnakh.webhooks.tasks import redeliver_webhook_delivery, send_webhook_delivery

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None:
            return "gone"
        webhook = Webhook.objects.get(pk=delivery.webhook_id)
        now = clock.now()
        stale = delivery.status == Status.SENDING and (delivery.claimed_at is None or delivery.claimed_at <= now - dt.timedelta(seconds=CLAIM_SECONDS))
        if delivery.status == Status.SENDING and not stale:
            if from_job:  # look again once that attempt must have ended
                run_after = delivery.claimed_at + dt.timedelta(seconds=CLAIM_SECONDS + 1)
                if manual:
                    enqueue(redeliver_webhook_delivery.using(run_after=run_after), delivery.pk)
                else:
                    enqueue(send_webhook_delivery.using(run_after=run_after), delivery.pk, attempt)
            return "busy"
        if manual:
            if not delivery.manual_requested:
                return "already"
            delivery.manual_requested = False
        else:
            # The attempt before this one is done; or this very attempt was claimed by a
            # process that died while sending (stale), and is made again.
            interrupted = stale and delivery.auto_attempts == attempt
            if not interrupted and not (delivery.status in _OPEN and delivery.auto_attempts == attempt - 1):
                return "already"
            if not webhook.is_active:
                delivery.status, delivery.next_attempt_at = Status.FAILED, None
                delivery.last_error_kind, delivery.last_error = "off", ""
                delivery.save(update_fields=["status", "next_attempt_at", "last_error_kind", "last_error"])
                return "off"
            if not interrupted:
                delivery.auto_attempts += 1
        if delivery.status != Status.SENDING:
            delivery.status_before_claim = delivery.status
        delivery.status, delivery.claimed_at = Status.SENDING, now
        delivery.attempts += 1
        delivery.save(update_fields=["status", "claimed_at", "status_before_claim", "attempts", "auto_attempts", "manual_requested"])
    secrets = [webhook.secret]
    if webhook.previous_secret and webhook.previous_secret_expires_at and webhook.previous_secret_expires_at > now:
        secrets.append(webhook.previous_secret)
    return _Claim(delivery.pk, delivery.attempts, manual, webhook.url, secrets, delivery.event_name, delivery.body.encode())


def _record(claim: _Claim, outcome: sending.Outcome, *, started_at: dt.datetime) -> str:
    from sarnakh.webhooks.tasks import send_webhook_delivery

    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(pk=claim.delivery_id).first()
        if delivery is None:  # the webhook was deleted meanwhile
            return "gone"
        now = clock.now()
        WebhookAttempt.objects.create(
            delivery=delivery, number=claim.number, manual=claim.manual, started_at=started_at, duration_ms=outcome.duration_ms,
            status_code=outcome.status_code, succeeded=outcome.delivered, error_kind=outcome.error_kind, error=outcome.error[:500],
            response_body=outcome.response_body,
        )
        delivery.claimed_at = None
        delivery.last_status_code, delivery.last_duration_ms = outcome.status_code, outcome.duration_ms
        delivery.last_error_kind, delivery.last_error, delivery.last_attempt_at = outcome.error_kind, outcome.error[:500], started_at
        webhooks = Webhook.objects.filter(pk=delivery.webhook_id)
        if outcome.delivered:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = Status.DELIVERED, now, None
            webhooks.update(consecutive_failures=0, failing_since=None, last_success_at=now)
        else:
            webhooks.update(consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce(F("failing_since"), Value(started_at)))
            if claim.manual:
                # A redelivery that failed leaves the automatic retries where they were.
                before = delivery.status_before_claim
                delivery.status = before if delivery.retries and before in _OPEN else Status.FAILED
            elif delivery.retries and delivery.auto_attempts < MAX_ATTEMPTS:
                delivery.status = Status.RETRYING
                delivery.next_attempt_at = now + dt.timedelta(seconds=RETRY_DELAYS[delivery.auto_attempts - 1])
                enqueue(send_webhook_delivery.using(run_after=delivery.next_attempt_at), delivery.pk, delivery.auto_attempts + 1)
            else:
                delivery.status, delivery.next_attempt_at = Status.FAILED, None
                if delivery.retries:
                    _switch_off_if_failing(delivery, now=now)
        delivery.save()
        _prune_log(delivery.webhook_id, now=now)
    return delivery.status


def _switch_off_if_failing(delivery: WebhookDelivery, *, now: dt.datetime) -> None:
    """A delivery has used all its attempts (about a day). If no delivery to the webhook
    succeeded since this one's first attempt, the receiver has been failing for that day:
    the webhook is switched off and the admins are told."""
    first = WebhookAttempt.objects.filter(delivery=delivery).order_by("number").values_list("started_at", flat=True).first()
    if first is None:
        return
    switched = Webhook.objects.filter(pk=delivery.webhook_id, is_active=True, failing_since__lte=first).update(
        is_active=False, disabled_reason=Webhook.DisabledReason.FAILING, disabled_at=now, notice_sent_at=None, updated_at=now
    )
    if switched:
        from sarnakh.webhooks.tasks import notify_webhook_disabled

        logger.warning("webhook %s switched off: its deliveries failed for a day", delivery.webhook_id)
        enqueue(notify_webhook_disabled, delivery.webhook_id)


def _prune_log(webhook_id: int, *, now: dt.datetime) -> None:
    """The delivery log keeps LOG_RETENTION; older finished deliveries go a chunk at a time."""
    old = WebhookDelivery.objects.filter(webhook_id=webhook_id, created_at__lt=now - LOG_RETENTION).exclude(
        status__in=[Status.PENDING, Status.SENDING, Status.RETRYING]
    )
    ids = list(old.values_list("id", flat=True)[:PRUNE_CHUNK])
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).delete()


# ---------------------------------------------------------------- on demand


def _delivery(webhook_id: int, delivery_id: int, *, lock: bool = False) -> WebhookDelivery:
    queryset = WebhookDelivery.objects.select_for_update() if lock else WebhookDelivery.objects
    delivery = queryset.filter(pk=delivery_id, webhook_id=webhook_id).first()
    if delivery is None:
        raise NotFound(_("No delivery with the id %(id)s for this webhook.") % {"id": delivery_id})
    return delivery


@transaction.atomic
def delivery_redeliver(*, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """Sends a delivery again now, with the same body, id and event (receivers dedupe on
    them), whatever its status and whether the webhook is on. One attempt: it does not
    start a new series of retries. Asking again before it ran queues nothing more."""
    from sarnakh.webhooks.tasks import redeliver_webhook_delivery

    delivery = _delivery(webhook_id, delivery_id, lock=True)
    stale_before = clock.now() - dt.timedelta(seconds=CLAIM_SECONDS)
    if delivery.status == Status.SENDING and delivery.claimed_at and delivery.claimed_at > stale_before:
        raise Conflict(_("This delivery is being sent right now; try again in a minute."))
    if not delivery.manual_requested:
        delivery.manual_requested = True
        delivery.save(update_fields=["manual_requested"])
        enqueue(redeliver_webhook_delivery, delivery.pk)
        transaction.on_commit(partial(fast_send.start, [delivery.pk], manual=True))
    return delivery


@transaction.atomic
def webhook_send_test(*, webhook_id: int) -> WebhookDelivery:
    """A `webhook.test` ping, sent once now (even to a switched-off webhook, to check a
    fixed receiver before switching it on). It is logged like any delivery."""
    from sarnakh.webhooks.tasks import redeliver_webhook_delivery

    webhook = Webhook.objects.filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(_("No webhook with the id %(id)s.") % {"id": webhook_id})
    now = clock.now()
    data = {"webhook_id": webhook.pk, "message": "This is a test delivery from Sarnakh."}
    body = payloads.body_for(webhook.payload_format, event_id=None, name=payloads.TEST_EVENT, occurred_at=now, data=data)
    delivery = WebhookDelivery.objects.create(
        webhook=webhook, event_id=None, event_name=payloads.TEST_EVENT, body=body, retries=False, manual_requested=True, created_at=now
    )
    enqueue(redeliver_webhook_delivery, delivery.pk)
    transaction.on_commit(partial(fast_send.start, [delivery.pk], manual=True))
    return delivery


# ---------------------------------------------------------------- notice


def webhook_disabled_notify(*, webhook_id: int) -> int:
    """Emails the admins that a webhook was switched off for failing, once; returns how
    many were written to. A failed send is raised (the job shows as failed and can be run
    again from Settings → Background work) and leaves the notice unsent."""
    now = clock.now()
    claimed = Webhook.objects.filter(
        pk=webhook_id, is_active=False, disabled_reason=Webhook.DisabledReason.FAILING, notice_sent_at__isnull=True
    ).update(notice_sent_at=now)
    if not claimed:
        return 0
    webhook = Webhook.objects.get(pk=webhook_id)
    recipients = selectors.admin_emails()
    if not recipients:
        logger.warning("webhook %s was switched off; no admin has an email address to be told", webhook_id)
        return 0
    last = selectors.last_failed_delivery(webhook_id)
    page = settings.SARNAKH_BASE_URL.rstrip("/") + reverse("webhooks:settings_detail", args=[webhook.pk])
    with override(settings.LANGUAGE_CODE):
        subject = _("Sarnakh: webhook switched off after failing for a day")
        lines = [
            _("The webhook %(name)s was switched off: its deliveries failed for about a day without one success.") % {"name": str(webhook)},
            "",
            _("Address: %(url)s") % {"url": webhook.url},
            _("Failed attempts in a row: %(n)d") % {"n": webhook.consecutive_failures},
        ]
        if last is not None:
            detail = last.last_error or (f"HTTP {last.last_status_code}" if last.last_status_code else "")
            lines.append(_("Last error: %(error)s") % {"error": detail})
        lines += ["", _("Fix the receiver, then switch the webhook on again and redeliver what it missed:"), page]
    try:
        send_mail(subject, "\n".join(lines), None, recipients)
    except Exception:
        Webhook.objects.filter(pk=webhook_id).update(notice_sent_at=None)
        raise
    return len(recipients)
