"""Delivery writes: sender identities (with their DKIM keys) and sending one message
through the sent-message log.

`email_send` claims the idempotency key in its own transaction BEFORE the SMTP
transaction, so a second call with the same key finds the row and never sends again. The
claim holds a lease while it sends; a sender that crashed between the claim and recording
the outcome leaves a `queued` row whose lease runs out, and a retry with the same key
sends it. Through SMTP the row is recorded as sent inside the DATA command: the
content goes out, the end-of-data dot is handed to the kernel held back, "sent" is
committed right behind it, and the dot is released (transport.py's `at_end`,
core.commit_point). A sender killed before the hand-over left nothing at the server and
no record (a retry sends it); one killed after the COMMIT was written has both (the kernel
sends a dead process's held dot). The one window left is between the hand-over and the
COMMIT's write, a few microseconds with nothing else to run: a sender killed exactly there
sends the message without its record, and a retry sends it again (docs/email-campaigns.md,
"Exactly once")."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.translation import gettext as _

from sarnakh.config import EmailConfig
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.commit_point import commit_between
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.events import publish
from sarnakh.core.normalize import InvalidEmail, clean_display_text, normalize_email
from sarnakh.core.timeline import timeline_write_many
from sarnakh.mail.delivery import dkim_keys, message
from sarnakh.mail.delivery.contact_page import EMAIL_BOUNCED, EMAIL_SENT
from sarnakh.mail.delivery.esp_transport import EspTransport
from sarnakh.mail.delivery.events import EmailBounced, EmailSent
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity
from sarnakh.mail.delivery.transport import (
    OutboxTransport,
    SendFailure,
    SmtpTransport,
    transport_for,
)
from sarnakh.mail.subscriptions import labels as subscription_labels
from sarnakh.mail.subscriptions import links as subscription_links
from sarnakh.mail.subscriptions import selectors as subscription_selectors
from sarnakh.mail.tracking import links as tracking_links

# How long a claim is held while its message is sent; past it, a retry may send
# (SARNAKH_EMAIL_SEND_LEASE seconds; a crash test shortens it).
LEASE = dt.timedelta(seconds=int(os.environ.get("SARNAKH_EMAIL_SEND_LEASE", "") or 600))
MAX_KEY_LENGTH = 200
ERROR_LENGTH = 2000


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


# ---------------------------------------------------------------- settings


def bounce_domain(sender: SenderIdentity) -> str:
    """SARNAKH_BOUNCE_DOMAIN, else the sender's own domain."""
    return (getattr(settings, "SARNAKH_BOUNCE_DOMAIN", "") or "").strip() or sender.domain


def verp_key() -> bytes:
    return hashlib.sha256(b"sarnakh.mail.verp:" + settings.SECRET_KEY.encode()).digest()


def transport_config() -> EmailConfig:
    """The SMTP server from SARNAKH_EMAIL_URL (CONFIG.email), as settings.py gave it to
    Django (so tests and operators override one place)."""
    if settings.EMAIL_BACKEND.startswith("anymail."):
        return EmailConfig(backend="anymail")  # SARNAKH_EMAIL_URL=anymail:// : the ESP's API (SARNAKH_ESP)
    if not settings.EMAIL_BACKEND.endswith("smtp.EmailBackend"):
        return EmailConfig(backend="outbox")
    return EmailConfig(
        backend="smtp", host=settings.EMAIL_HOST, port=int(settings.EMAIL_PORT), user=settings.EMAIL_HOST_USER or "",
        password=settings.EMAIL_HOST_PASSWORD or "", use_tls=bool(settings.EMAIL_USE_TLS),
        use_ssl=bool(settings.EMAIL_USE_SSL), timeout=int(settings.EMAIL_TIMEOUT or 10),
    )


def open_transport() -> SmtpTransport | OutboxTransport | EspTransport:
    """A transport for a batch: `with open_transport() as t: email_send(..., transport=t)`."""
    config = transport_config()
    if config.backend == "anymail":
        return EspTransport(settings.EMAIL_BACKEND)
    return transport_for(config, Path(settings.SARNAKH_HOME) / "outbox")


def sending_host() -> str:
    """What SPF should allow: SARNAKH_SPF_INCLUDE, else the configured relay host."""
    explicit = (getattr(settings, "SARNAKH_SPF_INCLUDE", "") or "").strip()
    if explicit:
        return explicit
    config = transport_config()
    return "" if config.backend != "smtp" or config.host in {"localhost", "127.0.0.1", "::1"} else config.host


# ---------------------------------------------------------------- senders


def _clean_sender(from_name: str, from_address: str, reply_to: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name = clean_display_text(from_name)[:200]
    values = {}
    for field, value, required in (("from_address", from_address, True), ("reply_to", reply_to, False)):
        try:
            values[field] = normalize_email(value)
        except InvalidEmail as exc:
            errors[field] = [str(exc)]
            continue
        if required and not values[field]:
            errors[field] = [_("This field is required.")]
    if errors:
        raise _invalid(errors)
    return name, values["from_address"], values["reply_to"]


@transaction.atomic
def sender_create(*, from_name: str, from_address: str, reply_to: str = "", is_default: bool = False) -> SenderIdentity:
    name, addr, reply = _clean_sender(from_name, from_address, reply_to)
    now = clock.now()
    first = not SenderIdentity.objects.exists()
    sender = SenderIdentity.objects.create(from_name=name, from_address=addr, reply_to=reply, is_default=is_default or first,
                                           dkim_domain=addr.rpartition("@")[2], created_at=now, updated_at=now)
    if sender.is_default:
        SenderIdentity.objects.exclude(pk=sender.pk).update(is_default=False)
    return sender


@transaction.atomic
def sender_update(*, sender_id: int, from_name: str, from_address: str, reply_to: str = "", is_default: bool = False) -> SenderIdentity:
    sender = _get_sender(sender_id, lock=True)
    name, addr, reply = _clean_sender(from_name, from_address, reply_to)
    if addr.rpartition("@")[2] != sender.domain and sender.dkim_private_key:
        # A key is published under one domain: a new domain needs a new key and record.
        sender.dkim_private_key = sender.dkim_public_key = sender.dkim_selector = ""
    sender.from_name, sender.from_address, sender.reply_to = name, addr, reply
    sender.dkim_domain = addr.rpartition("@")[2]
    sender.is_default = is_default or sender.is_default
    sender.updated_at = clock.now()
    sender.save()
    if sender.is_default:
        SenderIdentity.objects.exclude(pk=sender.pk).update(is_default=False)
    return sender


@transaction.atomic
def sender_generate_dkim(*, sender_id: int, selector: str = "") -> SenderIdentity:
    """A new 2048-bit RSA key under `selector` (default `sarnakhYYYYMM`), replacing any
    previous one: publish the new DKIM record before sending with it."""
    sender = _get_sender(sender_id, lock=True)
    now = clock.now()
    selector = (selector or f"sarnakh{now:%Y%m}").strip().lower()
    if not dkim_keys.SELECTOR_RE.match(selector):
        raise _invalid({"selector": [_("Use letters, digits and hyphens only.")]})
    key = dkim_keys.generate_key()
    sender.dkim_selector, sender.dkim_private_key, sender.dkim_public_key = selector, key.private_pem, key.public_b64
    sender.dkim_domain = sender.domain
    sender.updated_at = now
    sender.save()
    return sender


def _get_sender(sender_id: int, *, lock: bool = False) -> SenderIdentity:
    query = SenderIdentity.objects.select_for_update() if lock else SenderIdentity.objects
    try:
        return query.get(pk=sender_id)
    except SenderIdentity.DoesNotExist:
        raise NotFound(_("No such sender.")) from None


def sender_default() -> SenderIdentity:
    """The default sender; made from SARNAKH_EMAIL_FROM the first time none exists."""
    sender = SenderIdentity.objects.filter(is_default=True).first() or SenderIdentity.objects.first()
    if sender:
        return sender
    name, addr = parseaddr(settings.DEFAULT_FROM_EMAIL)
    addr = (addr or "sarnakh@localhost").strip().lower()  # as configured: `sarnakh@localhost` is valid for a local relay
    now = clock.now()
    with transaction.atomic():
        if not SenderIdentity.objects.select_for_update().exists():
            SenderIdentity.objects.create(from_name=clean_display_text(name)[:200], from_address=addr, is_default=True,
                                          dkim_domain=addr.rpartition("@")[2], created_at=now, updated_at=now)
    return SenderIdentity.objects.filter(is_default=True).first() or SenderIdentity.objects.get()


def sender_dns_records(sender: SenderIdentity) -> list[dkim_keys.DnsRecord]:
    return dkim_keys.dns_records(domain=sender.domain, selector=sender.dkim_selector, public_b64=sender.dkim_public_key,
                                 sending_host=sending_host(), report_address=f"dmarc-reports@{sender.domain}")


# ---------------------------------------------------------------- sending


def _claim(*, key: str, defaults: dict) -> tuple[OutboundEmail, bool]:
    """The row for `key`, and whether this caller now holds its lease to send it."""
    now = clock.now()
    try:  # a new key is claimed by the insert that makes its row (one statement: the common case)
        with transaction.atomic():
            row = OutboundEmail.objects.create(idempotency_key=key, created_at=now, lease_until=now + LEASE, attempts=1, **defaults)
        return row, True
    except IntegrityError:  # used before, or a concurrent claim of the same key won the insert
        row = OutboundEmail.objects.get(idempotency_key=key)
    if row.status in (OutboundEmail.Status.SENT, OutboundEmail.Status.BOUNCED_HARD):
        return row, False
    with transaction.atomic():
        won = OutboundEmail.objects.filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now), pk=row.pk,
            status__in=(OutboundEmail.Status.QUEUED, OutboundEmail.Status.FAILED_TEMPORARY),
        ).update(lease_until=now + LEASE, attempts=F("attempts") + 1)
    row.refresh_from_db()
    return row, bool(won)


class SendRefused(ValidationFailed):
    """The address may not get this mail (suppressed, unsubscribed, no lawful basis);
    `reason` is one of subscriptions.rules' refusals."""

    def __init__(self, reason: str):
        self.reason = reason
        label = subscription_labels.refusal_label(reason)
        # `reason` (the stable code) travels in the fields for API callers; the texts are translated.
        super().__init__(_("Not sent: this address may not get this email (%(reason)s).") % {"reason": label},
                         fields={"to": [_("This address may not get this email (%(reason)s).") % {"reason": label}],
                                 "reason": [reason]}, code="send_refused")


def _refusal(*, kind: str, to_address: str, contact_id: int | None, topic: str) -> str:
    """Why this mail may not go, or "": the one gate every path passes (broadcasts,
    workflows, the API): transactional mail only avoids hard bounces and complaints;
    marketing mail needs a known contact with a lawful basis, not suppressed, not opted out
    of the topic (mail.subscriptions)."""
    if kind == OutboundEmail.Kind.TRANSACTIONAL:
        allowed, reason = subscription_selectors.transactional_allowed(to_address)
        return "" if allowed else reason
    contact = subscription_selectors.contact_for_mail(contact_id) if contact_id else None
    if contact is None:
        return "no_contact"
    try:
        allowed, reason = subscription_selectors.marketing_allowed(
            SimpleNamespace(pk=contact.pk, email=to_address, consent=contact.consent), topic)
    except ValueError:
        raise _invalid({"topic": [_("No subscription topic %(topic)s.") % {"topic": topic}]}) from None
    return "" if allowed else reason


def email_send(
    *, to: str, subject: str, html: str, text: str, kind: str, idempotency_key: str, sender: SenderIdentity | None = None,
    contact_id: int | None = None, to_name: str = "", list_unsubscribe: message.Unsubscribe | None = None,
    headers: dict[str, str] | None = None, transport: SmtpTransport | OutboxTransport | EspTransport | None = None, topic: str = "",
    track: bool = False, utm: dict | None = None,
) -> OutboundEmail:
    """Sends one message once per `idempotency_key` and returns its log row (status
    sent, failed_temporary or bounced_hard; or the earlier row for a key already used).
    Before anything is claimed the mail passes the suppression and consent gate
    (`SendRefused` says why not). Marketing mail goes to a known contact (`contact_id`) and
    carries one-click unsubscribe links (made here unless `list_unsubscribe` is given;
    `topic` is the subscription topic it belongs to). `transport`: an open one to reuse.
    `track`: links become signed click redirects with `utm` parameters, plus an open pixel
    (mail.tracking.links.instrument), once the message has its id."""
    errors: dict[str, list[str]] = {}
    if kind not in OutboundEmail.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        errors["idempotency_key"] = [_("Give a key of at most %(n)s characters.") % {"n": MAX_KEY_LENGTH}]
    try:
        to_address = normalize_email(to)
        if not to_address:
            errors["to"] = [_("This field is required.")]
    except InvalidEmail as exc:
        errors["to"] = [str(exc)]
    if not (subject or "").strip():
        errors["subject"] = [_("This field is required.")]
    if errors:
        raise _invalid(errors)
    if not OutboundEmail.objects.filter(idempotency_key=key).exists():  # a retry of a sent key answers as before
        refusal = _refusal(kind=kind, to_address=to_address, contact_id=contact_id, topic=topic)
        if refusal:
            raise SendRefused(refusal)
    if kind == OutboundEmail.Kind.MARKETING and not (list_unsubscribe and list_unsubscribe.url):
        list_unsubscribe = message.Unsubscribe(url=subscription_links.unsubscribe_url(contact_id=contact_id, topic=topic),
                                               mailto=subscription_links.unsubscribe_mailto(contact_id=contact_id, topic=topic))
    sender = sender or sender_default()
    row, mine = _claim(key=key, defaults={
        "contact_id": contact_id, "to_address": to_address, "to_name": clean_display_text(to_name)[:200],
        "sender": sender, "kind": kind, "subject": subject[:998],
    })
    if not mine:
        return row
    # The row as first claimed is what is sent (a retry with other arguments sends the first).
    sender = sender if sender.pk == row.sender_id else row.sender
    if track:
        html, text = tracking_links.instrument(html, text, email_id=row.pk, utm=utm)
    dkim = (message.Dkim(domain=sender.dkim_domain or sender.domain, selector=sender.dkim_selector, private_pem=sender.dkim_private_key)
            if sender.dkim_private_key else None)
    try:
        built = message.build_message(
            subject=row.subject, text=text, html=html, from_name=sender.from_name, from_address=sender.from_address,
            to_address=row.to_address, to_name=row.to_name, reply_to=sender.reply_to, marketing=row.kind == OutboundEmail.Kind.MARKETING,
            unsubscribe=list_unsubscribe, envelope_from=message.verp_address(row.pk, verp_key(), bounce_domain(sender)),
            date=clock.now(), headers=headers, dkim_key=dkim,
        )
    except ValueError as exc:
        _release(row, error=str(exc))
        raise _invalid({"headers": [str(exc)]}) from exc
    failure: SendFailure | None = None
    recorded: list[OutboundEmail] = []
    esp_message_id = None  # the id an ESP's API gave it (EspTransport), which its webhooks name

    def record_sent(queue_end: Callable[[], None], release_end: Callable[[], None]) -> None:  # SMTP (transport.py)
        recorded.append(_record(row.pk, built.message_id, None, around_commit=(queue_end, release_end)))

    def deliver(through) -> str | None:
        if isinstance(through, EspTransport):  # one API call: nothing to split, recorded when it answers
            return through.send(envelope_from=built.envelope_from, recipients=[row.to_address], data=built.data)
        through.send(envelope_from=built.envelope_from, recipients=[row.to_address], data=built.data, at_end=record_sent)
        return None

    try:
        if transport is not None:
            esp_message_id = deliver(transport)
        else:
            with open_transport() as own:
                esp_message_id = deliver(own)
    except SendFailure as exc:
        failure = exc
    if recorded and failure is None:
        return recorded[0]
    # Not sent (recorded now), through an ESP (recorded now), or recorded as sent and then
    # refused at the dot or cut off (corrected).
    return _record(row.pk, built.message_id, failure, esp_message_id=esp_message_id or "")


def _release(row: OutboundEmail, *, error: str) -> None:
    OutboundEmail.objects.filter(pk=row.pk).update(lease_until=None, last_error=error[:ERROR_LENGTH])


def _record(email_id: int, message_id: str, failure: SendFailure | None, esp_message_id: str = "",
            around_commit: tuple[Callable[[], None], Callable[[], None]] | None = None) -> OutboundEmail:
    """Writes the outcome. `around_commit`: (before, after) to run right before and right
    after its COMMIT (core.commit_point)."""
    with transaction.atomic():
        row = _record_in_transaction(email_id, message_id, failure, esp_message_id)
        if around_commit is not None:
            commit_between(*around_commit)
    return row


def _record_in_transaction(email_id: int, message_id: str, failure: SendFailure | None, esp_message_id: str) -> OutboundEmail:
    row = OutboundEmail.objects.select_for_update().get(pk=email_id)
    now = clock.now()
    row.message_id, row.lease_until = message_id, None
    if esp_message_id:
        row.esp_message_id = esp_message_id[:300]
    actor = Actor.system("mail")
    if failure is None:
        row.status, row.sent_at, row.last_error = OutboundEmail.Status.SENT, now, ""
        row.save()
        publish(EmailSent(contact_id=row.contact_id, email_id=row.pk, to_address=row.to_address, kind=row.kind,
                          subject=row.subject, message_id=message_id, sender_id=row.sender_id), actor=actor)
        if row.contact_id:
            timeline_write_many(rows=[(row.contact_id, {"email_id": row.pk, "subject": row.subject, "to": row.to_address})],
                                kind=EMAIL_SENT, actor=actor)
        return row
    # A failure can also come after "sent" was recorded (the server refused at the dot, or
    # the connection dropped): a 5xx makes it a hard bounce (EmailBounced follows the
    # EmailSent already published), anything else puts it back to be retried (its resend
    # publishes EmailSent again).
    row.last_error, row.sent_at = str(failure)[:ERROR_LENGTH], None
    if failure.permanent:
        row.status = OutboundEmail.Status.BOUNCED_HARD
        row.save()
        publish(EmailBounced(contact_id=row.contact_id, email_id=row.pk, to_address=row.to_address, bounce="hard",
                             reason=row.last_error), actor=actor)
        if row.contact_id:
            timeline_write_many(rows=[(row.contact_id, {"email_id": row.pk, "subject": row.subject, "to": row.to_address,
                                                        "error": row.last_error})], kind=EMAIL_BOUNCED, actor=actor)
    else:
        row.status = OutboundEmail.Status.FAILED_TEMPORARY
        row.save()
    return row


def email_send_test(*, to: str, sender_id: int | None = None) -> OutboundEmail:
    """A short transactional test message through the configured transport, from the given
    sender (default: the default sender); each call sends (its own key)."""
    sender = _get_sender(sender_id) if sender_id else sender_default()
    subject = _("Sarnakh test email")
    text = _("This is a test message from Sarnakh, sent as %(sender)s. If you can read it, sending works.") % {"sender": str(sender)}
    html = f"<p>{escape(text)}</p>"
    return email_send(to=to, subject=subject, html=html, text=text, kind=OutboundEmail.Kind.TRANSACTIONAL,
                      idempotency_key=f"test:{uuid.uuid4().hex}", sender=sender)
