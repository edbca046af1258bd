"""Writes of bounces and complaints, from the bounce mailbox or an ESP's tracking webhook.

Each report is applied in one transaction that first claims its receipt key (a mailbox
message's Message-ID or hash, an ESP event's id): the same report read twice (a crash
before the message was moved, a webhook the ESP retried) changes nothing the second time.
Within it every effect is idempotent too, so the same bounce arriving by two roads (the
ESP's webhook and a DSN in the mailbox) suppresses once and publishes once:

- hard bounce: the address is suppressed (hard_bounce, through subscriptions' service),
  the message is marked bounced_hard, `email.bounced` (bounce="hard") and a timeline row;
- soft bounce: recorded, `email.bounced` (bounce="soft") and a timeline row; the third
  soft bounce of an address over at least SOFT_BOUNCE_SPAN with no delivery since the
  first of them suppresses it as a hard bounce would (docs/email-bounces.md);
- complaint: the address is suppressed (complaint), `email.complained` and a timeline row;
- delivered (ESP): the message's delivered_at, `email.delivered`;
- unsubscribed (ESP): subscriptions' unsubscribe_all for the message's contact."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Min

from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.events import publish
from sarnakh.core.timeline import timeline_write_many
from sarnakh.mail.bounces import parse
from sarnakh.mail.bounces.contact_page import EMAIL_COMPLAINED, EMAIL_SOFT_BOUNCED
from sarnakh.mail.bounces.events import EmailComplained, EmailDelivered
from sarnakh.mail.bounces.mailbox import MailboxError, open_mailbox
from sarnakh.mail.bounces.models import Bounce, FeedbackReceipt
from sarnakh.mail.delivery import message as delivery_message
from sarnakh.mail.delivery import services as delivery_services
from sarnakh.mail.delivery.contact_page import EMAIL_BOUNCED
from sarnakh.mail.delivery.events import EmailBounced
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions import rules as subscription_rules
from sarnakh.mail.subscriptions import services as subscription_services
from sarnakh.mail.tracking import services as email_tracking
from sarnakh.mail.tracking.models import EmailEngagement

logger = logging.getLogger("sarnakh.mail")

BATCH = 500  # mailbox messages read in one run
SOFT_BOUNCE_LIMIT = 3  # soft bounces of one address …
SOFT_BOUNCE_SPAN = dt.timedelta(days=7)  # … spread over at least this long, none delivered since: suppressed
HARD, SOFT, COMPLAINT = Bounce.Kind.HARD, Bounce.Kind.SOFT, Bounce.Kind.COMPLAINT
MAILBOX = "mailbox"
ERROR_LENGTH = 2000


def _actor() -> Actor:
    return Actor.system("mail")


# ---------------------------------------------------------------- receipts and attribution


def _claim_receipt(*, key: str, source: str, now: dt.datetime) -> FeedbackReceipt | None:
    """The new receipt for `key`, or None when this report was already read."""
    key = key[:300]
    if FeedbackReceipt.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            return FeedbackReceipt.objects.create(key=key, source=source[:40], outcome="ignored", received_at=now)
    except IntegrityError:  # read at the same moment by another worker, which applies it
        return None


@dataclass(frozen=True)
class Applied:
    outcome: str  # hard | soft | complaint | delivered | unsubscribed | ignored | duplicate
    reason: str = ""  # why ignored, or what found it (dsn, arf, flufl, the ESP's event type)


def _finish_receipt(receipt: FeedbackReceipt, outcome: str, reason: str = "") -> Applied:
    receipt.outcome, receipt.reason = outcome[:20], reason[:200]
    receipt.save(update_fields=["outcome", "reason"])
    return Applied(outcome, reason)


def _email_by_message_id(message_id: str) -> OutboundEmail | None:
    message_id = (message_id or "").strip()
    if not message_id:
        return None
    bare = message_id.strip("<>")
    return OutboundEmail.objects.filter(message_id__in=[f"<{bare}>", bare]).order_by("-id").first()


def _attribute(*, email_id: int | None = None, esp_message_id: str = "", original_message_id: str = "",
               address: str = "") -> OutboundEmail | None:
    """The sent message a report is about: by VERP id, the ESP's id, the original
    Message-ID, and last the latest message sent to the address."""
    if email_id:
        row = OutboundEmail.objects.filter(pk=email_id).first()
        if row:
            return row
    if esp_message_id:
        row = OutboundEmail.objects.filter(esp_message_id=esp_message_id[:300]).order_by("-id").first()
        if row:
            return row
        row = _email_by_message_id(esp_message_id)
        if row:
            return row
    row = _email_by_message_id(original_message_id)
    if row:
        return row
    if address:
        return OutboundEmail.objects.filter(to_address=address).order_by("-created_at", "-id").first()
    return None


def _timeline(row: OutboundEmail | None, kind: str, error: str) -> None:
    if row is not None and row.contact_id:
        timeline_write_many(rows=[(row.contact_id, {"email_id": row.pk, "subject": row.subject, "to": row.to_address,
                                                    "error": error[:500]})], kind=kind, actor=_actor())


def _suppress(address: str, reason: str, source: str) -> bool:
    """True when the address is newly suppressed for `reason` (through subscriptions)."""
    try:
        _row, created = subscription_services.suppression_add(address=address, reason=reason, source=source,
                                                               actor=_actor())
    except ValidationFailed:  # not an address we could suppress (the report named something odd)
        return False
    return created


# ---------------------------------------------------------------- effects


def _apply_bounce(*, kind: str, row: OutboundEmail | None, address: str, status: str, diagnostic: str, source: str,
                  now: dt.datetime) -> bool:
    """Records one hard or soft bounce or a complaint and its effects; True when it changed
    something (a repeat of an effect already had is recorded but publishes nothing)."""
    address = subscription_rules.normalize_address(row.to_address if row is not None else address)
    if not address:
        return False
    prior = row is not None and Bounce.objects.filter(email_id=row.pk, kind=kind).exists()
    Bounce.objects.create(email_id=row.pk if row else None, contact_id=row.contact_id if row else None, address=address[:254],
                          kind=kind, status_code=status[:20], diagnostic=diagnostic[:ERROR_LENGTH], source=source[:40],
                          received_at=now)
    reason = " ".join(part for part in (status, diagnostic) if part)[:ERROR_LENGTH] or kind
    contact_id = row.contact_id if row is not None else None
    email_id = row.pk if row is not None else 0
    if kind == HARD:
        newly = _suppress(address, "hard_bounce", f"bounce: {source}")
        if row is not None and row.status != OutboundEmail.Status.BOUNCED_HARD:
            OutboundEmail.objects.filter(pk=row.pk).update(status=OutboundEmail.Status.BOUNCED_HARD, last_error=reason)
            newly = True
        if newly and not prior:
            publish(EmailBounced(contact_id=contact_id, email_id=email_id, to_address=address, bounce="hard", reason=reason),
                    actor=_actor())
            _timeline(row, EMAIL_BOUNCED, reason)
            return True
        return False
    if kind == COMPLAINT:
        newly = _suppress(address, "complaint", f"complaint: {source}")
        if newly or (row is not None and not prior):
            publish(EmailComplained(contact_id=contact_id, email_id=email_id, to_address=address, via=source),
                    actor=_actor())
            _timeline(row, EMAIL_COMPLAINED, reason)
            return True
        return False
    publish(EmailBounced(contact_id=contact_id, email_id=email_id, to_address=address, bounce="soft", reason=reason),
            actor=_actor())
    _timeline(row, EMAIL_SOFT_BOUNCED, reason)
    _soft_bounces_add_up(address=address, row=row)
    return True


def soft_bounces_due(address: str) -> bool:
    """SOFT_BOUNCE_LIMIT soft bounces of `address` since its last known delivery, the first
    and the last at least SOFT_BOUNCE_SPAN apart (one bad afternoon is not a dead mailbox)."""
    delivered = OutboundEmail.objects.filter(to_address=address, delivered_at__isnull=False).aggregate(at=Max("delivered_at"))["at"]
    bounces = Bounce.objects.filter(address=address, kind=SOFT)
    if delivered is not None:
        bounces = bounces.filter(received_at__gt=delivered)
    seen = bounces.aggregate(n=Count("id"), first=Min("received_at"), last=Max("received_at"))
    return seen["n"] >= SOFT_BOUNCE_LIMIT and seen["last"] - seen["first"] >= SOFT_BOUNCE_SPAN


def _soft_bounces_add_up(*, address: str, row: OutboundEmail | None) -> None:
    if not soft_bounces_due(address):
        return
    why = f"{SOFT_BOUNCE_LIMIT} soft bounces over {SOFT_BOUNCE_SPAN.days} days"
    if _suppress(address, "hard_bounce", why):
        publish(EmailBounced(contact_id=row.contact_id if row else None, email_id=row.pk if row else 0, to_address=address,
                             bounce="hard", reason=why), actor=_actor())
        _timeline(row, EMAIL_BOUNCED, why)


# ---------------------------------------------------------------- the bounce mailbox


@transaction.atomic
def report_apply(*, raw: bytes, source: str = MAILBOX) -> Applied:
    """Reads one message from the bounce mailbox and applies what it says; its outcome
    (hard, soft, complaint, ignored) or `duplicate` when it was read before."""
    now = clock.now()
    key = delivery_services.verp_key()
    report = parse.parse_report(raw, parse_verp=lambda address: delivery_message.parse_verp(address, key))
    receipt = _claim_receipt(key=f"{source}:{report.key}", source=source, now=now)
    if receipt is None:
        return Applied("duplicate")
    if report.ignored:
        return _finish_receipt(receipt, "ignored", report.ignored)
    outcomes = []
    attributed: set[int] = set()
    for finding in report.findings:
        row = _attribute(email_id=report.email_id, original_message_id=report.original_message_id, address=finding.address)
        if row is not None and report.email_id and row.pk in attributed:
            continue  # one VERP message has one recipient: the first failure is its failure
        if row is None and not finding.address:
            continue
        if row is not None:
            attributed.add(row.pk)
        _apply_bounce(kind=finding.kind, row=row, address=finding.address, status=finding.status,
                      diagnostic=finding.diagnostic, source=source, now=now)
        outcomes.append(finding.kind)
    if not outcomes:
        return _finish_receipt(receipt, "ignored", "no_recipient")
    kind = COMPLAINT if COMPLAINT in outcomes else HARD if HARD in outcomes else SOFT
    return _finish_receipt(receipt, kind, report.detector)


@dataclass
class MailboxRun:
    read: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)  # hard, soft, complaint, ignored, duplicate, failed
    ignored: dict[str, int] = field(default_factory=dict)  # why: auto_reply, not_a_report, …
    error: str = ""

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def __str__(self) -> str:
        parts = [f"{self.read} read"] + [f"{n} {k}" for k, n in sorted(self.outcomes.items())]
        if self.ignored:
            parts.append("ignored: " + ", ".join(f"{n} {k}" for k, n in sorted(self.ignored.items())))
        return "; ".join(parts) + (f"; error: {self.error}" if self.error else "")


def mailbox_configured() -> str:
    return (getattr(settings, "SARNAKH_BOUNCE_MAILBOX", "") or "").strip()


def mailbox_process(*, limit: int = BATCH, url: str = "") -> MailboxRun:
    """Reads up to `limit` messages of the bounce mailbox, applies each (its own
    transaction), and moves each to the processed folder once its outcome is committed.
    A message whose processing fails stays in the inbox and is counted `failed`."""
    run = MailboxRun()
    url = url or mailbox_configured()
    if not url:
        run.error = "SARNAKH_BOUNCE_MAILBOX is not set"
        return run
    try:
        box = open_mailbox(url)
    except MailboxError as exc:
        run.error = str(exc)
        return run
    try:
        for handle, raw in box.batch(max(1, min(limit, BATCH))):
            run.read += 1
            try:
                applied = report_apply(raw=raw)
            except Exception:  # noqa: BLE001 - one bad message must not stop the batch; it stays for the next run
                logger.exception("bounce message %s could not be applied", handle)
                run.count("failed")
                continue
            run.count(applied.outcome)
            if applied.outcome == "ignored":
                run.ignored[applied.reason] = run.ignored.get(applied.reason, 0) + 1
            box.done(handle)
    except MailboxError as exc:
        run.error = str(exc)
    finally:
        box.close()
    return run


# ---------------------------------------------------------------- ESP tracking webhooks (django-anymail)


def _event_key(esp: str, event) -> str:
    if getattr(event, "event_id", None):
        return f"esp:{esp}:{event.event_id}"
    stamp = event.timestamp.isoformat() if getattr(event, "timestamp", None) else ""
    digest = hashlib.sha256("|".join(str(v or "") for v in (event.event_type, event.message_id, event.recipient, stamp,
                                                            event.description, event.mta_response)).encode()).hexdigest()
    return f"esp:{esp}:sha256:{digest}"


def _esp_bounce_kind(event) -> str:
    """`bounced` is permanent unless the server's reply says 4xx (Postmark's SoftBounce
    arrives as bounced too); `deferred` is soft."""
    if event.event_type == "deferred":
        return SOFT
    reply = f"{event.mta_response or ''} {event.description or ''}"
    match = parse._STATUS_RE.search(reply) or parse._SMTP_CODE_RE.search(reply)
    return SOFT if match and match.group(1) == "4" else HARD


@transaction.atomic
def esp_tracking_receive(*, esp: str, event) -> Applied:
    """Applies one anymail AnymailTrackingEvent from the configured ESP's webhook; its
    outcome, or `duplicate` when the ESP sent the same event before."""
    esp = (esp or "esp").lower().replace(" ", "_")[:30]
    source = f"esp:{esp}"
    now = clock.now()
    receipt = _claim_receipt(key=_event_key(esp, event), source=source, now=now)
    if receipt is None:
        return Applied("duplicate")
    address = subscription_rules.normalize_address(event.recipient or "")
    row = _attribute(esp_message_id=str(event.message_id or ""), address=address)
    kind = event.event_type
    status_match = parse._STATUS_RE.search(str(event.mta_response or ""))
    diagnostic = " ".join(str(event.mta_response or event.description or event.reject_reason or "").split())
    if kind in ("bounced", "rejected", "deferred"):
        if kind == "rejected" and event.reject_reason == "unsubscribed":
            kind = "unsubscribed"
        else:
            bounce = _esp_bounce_kind(event)
            _apply_bounce(kind=bounce, row=row, address=address, status=status_match.group(0) if status_match else "",
                          diagnostic=diagnostic, source=source, now=now)
            return _finish_receipt(receipt, bounce, kind)
    if kind == "complained":
        _apply_bounce(kind=COMPLAINT, row=row, address=address, status="", diagnostic=diagnostic, source=source, now=now)
        return _finish_receipt(receipt, COMPLAINT, kind)
    if kind == "delivered":
        if row is None:
            return _finish_receipt(receipt, "ignored", "delivered: unknown message")
        if OutboundEmail.objects.filter(pk=row.pk, delivered_at__isnull=True).update(delivered_at=event.timestamp or now):
            publish(EmailDelivered(contact_id=row.contact_id, email_id=row.pk, to_address=row.to_address, esp=esp),
                    actor=_actor())
        return _finish_receipt(receipt, "delivered")
    if kind == "unsubscribed":
        if row is not None and row.contact_id:
            subscription_services.unsubscribe_all(contact_id=row.contact_id, via="esp", message_id=row.message_id,
                                                  actor=_actor())
        elif address:
            _suppress(address, "unsubscribed_all", source)
        else:
            return _finish_receipt(receipt, "ignored", "unsubscribed: no recipient")
        return _finish_receipt(receipt, "unsubscribed")
    if kind in ("opened", "clicked"):
        # The ESP's own open pixel and click tracking: recorded as Sarnakh's would be (the same
        # machine-open rules), so the report, scores and segments see them.
        if row is None:
            return _finish_receipt(receipt, "ignored", f"{kind}: unknown message")
        engagement = email_tracking.engagement_record(
            kind=EmailEngagement.Kind.OPEN if kind == "opened" else EmailEngagement.Kind.CLICK, email_id=row.pk,
            url=(getattr(event, "click_url", "") or "")[:2000] if kind == "clicked" else "",
            user_agent=getattr(event, "user_agent", "") or "", at=event.timestamp or now)
        return _finish_receipt(receipt, "tracked" if engagement is not None else "ignored", kind)
    # queued, sent, failed, autoresponded, subscribed and unknown change nothing here.
    return _finish_receipt(receipt, "ignored", kind or "unknown")


def esp_message_id_record(*, email_id: int, esp_message_id: str) -> None:
    """The id the ESP gave a message we sent through it, which its webhooks will name."""
    OutboundEmail.objects.filter(pk=email_id).update(esp_message_id=(esp_message_id or "")[:300])
