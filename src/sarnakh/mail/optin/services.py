"""Confirmation emails and what their links do.

Double opt-in: a visitor gave consent on a form with `double_opt_in`; capture leaves the
contact unsubscribed and publishes `form.submitted` with `consent_pending`. Mail (its
subscriber) records a PendingOptIn with the proof and sends a transactional confirmation
email, once per submission (idempotency key `optin:<submission id>`). Following the link
and pressing the button (`optin_confirm`) subscribes the contact through the contacts
service (consent, consent_method, consent_at; its timeline row and `contact.updated`) and
writes the proof to the timeline in the same transaction. Twice is harmless.

Resubscribe: the preference centre's pending request (subscriptions.ResubscribeRequest,
`email.resubscribe_requested`) gets its email with the `/p/confirm/<token>` link, once per
request (`resubscribe:<request id>`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from sarnakh.capture.forms import selectors as form_selectors
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.timeline import timeline_write_many
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.optin.contact_page import EMAIL_OPT_IN_CONFIRMED
from sarnakh.mail.optin.models import PendingOptIn
from sarnakh.mail.optin.tokens import BadToken, make_token, read_token
from sarnakh.mail.subscriptions import rules
from sarnakh.mail.subscriptions import selectors as subscription_selectors
from sarnakh.mail.subscriptions.models import ResubscribeRequest, Suppression, SuppressionRemoval

OPT_IN_DAYS = 7
# A form anyone can post must not become a way to flood someone's inbox: at most this many
# confirmation emails to one address a day (further submissions are kept, not emailed).
MAX_EMAILS_PER_ADDRESS_PER_DAY = 3
LANGUAGES = ("en", "fa")


class ConfirmationNotSent(Exception):
    """The transport failed for now (4xx, connection): the event's delivery retries."""


def _language(*candidates: str) -> str:
    for value in candidates:
        code = (value or "")[:2].lower()
        if code in LANGUAGES:
            return code
    code = (settings.LANGUAGE_CODE or "en")[:2]
    return code if code in LANGUAGES else "en"


def _absolute(path: str) -> str:
    return settings.SARNAKH_BASE_URL.rstrip("/") + path


def confirm_url(pending: PendingOptIn) -> str:
    return _absolute(reverse("optin:confirm", args=[make_token(pending.pk)]))


@dataclass(frozen=True)
class Email:
    subject: str
    html: str
    text: str


def _render(name: str, context: dict, language: str) -> Email:
    """The built-in confirmation emails (our own Django templates, never user text as a
    template): mail/optin/<name>_email.{txt,html}; Persian ones are right-to-left."""
    context = {**context, "language": language, "rtl": language == "fa"}
    with translation.override(language):
        subject = render_to_string(f"mail/optin/{name}_subject.txt", context).strip().replace("\n", " ")
        return Email(subject=subject[:200], html=render_to_string(f"mail/optin/{name}_email.html", context),
                     text=render_to_string(f"mail/optin/{name}_email.txt", context))


def _deliver(*, to: str, email: Email, key: str, contact_id: int | None, to_name: str = "") -> OutboundEmail:
    """One transactional send; a temporary failure raises so the event's delivery retries
    (the log row is rolled back with it: nothing was sent)."""
    row = delivery.email_send(to=to, subject=email.subject, html=email.html, text=email.text,
                              kind=OutboundEmail.Kind.TRANSACTIONAL, idempotency_key=key, contact_id=contact_id, to_name=to_name)
    if row.status == OutboundEmail.Status.FAILED_TEMPORARY or (row.status == OutboundEmail.Status.QUEUED and not row.sent_at):
        raise ConfirmationNotSent(row.last_error or "not sent yet")
    return row


# ---------------------------------------------------------------- double opt-in


def optin_request(*, submission_id: int) -> PendingOptIn | None:
    """Records the pending consent of a double opt-in submission and sends its confirmation
    email (once: a second call finds the row and the email's key). None when there is
    nothing to confirm: no consent, not a double opt-in form, no address, or a contact
    already subscribed and mailable."""
    proof = form_selectors.submission_consent_proof(submission_id)
    if proof is None or not (proof.double_opt_in and proof.consent_given and proof.contact_id):
        return None
    contact = subscription_selectors.contact_for_mail(proof.contact_id)
    address = rules.normalize_address(contact.email if contact else "")
    if contact is None or not address:
        return None
    pending = PendingOptIn.objects.filter(submission_id=submission_id).first()
    if pending is None:
        if contact.consent == "subscribed" and "unsubscribed_all" not in subscription_selectors.suppression_reasons(address):
            return None  # nothing to confirm: they already get marketing email
        now = clock.now()
        pending, _created = PendingOptIn.objects.get_or_create(submission_id=submission_id, defaults={
            "contact_id": contact.pk, "address": address, "form_slug": proof.form_slug, "form_name": proof.form_name[:200],
            "consent_text": proof.consent_text, "language": _language(proof.language, contact.language),
            "requested_at": proof.received_at, "requested_ip": proof.ip or None, "created_at": now,
            "expires_at": now + dt.timedelta(days=OPT_IN_DAYS)})
    if pending.email_id is None and not pending.send_refused:
        since = clock.now() - dt.timedelta(days=1)
        recent = PendingOptIn.objects.filter(address=address, created_at__gte=since, email_id__isnull=False).exclude(pk=pending.pk)
        if recent.count() >= MAX_EMAILS_PER_ADDRESS_PER_DAY:
            PendingOptIn.objects.filter(pk=pending.pk).update(send_refused="rate_limited")
            pending.send_refused = "rate_limited"
            return pending
        optin_email_send(pending=pending, first_name=contact.first_name,
                         to_name=" ".join(filter(None, [contact.first_name, contact.last_name])))
    return pending


def optin_email_send(*, pending: PendingOptIn, first_name: str = "", to_name: str = "") -> OutboundEmail | None:
    """The confirmation email of one pending opt-in; None when the address may not get
    mail at all (hard bounce, complaint: recorded on the row)."""
    email = _render("optin", {"pending": pending, "url": confirm_url(pending), "days": OPT_IN_DAYS,
                              "first_name": first_name}, pending.language)
    try:
        row = _deliver(to=pending.address, email=email, key=f"optin:{pending.submission_id}", contact_id=pending.contact_id,
                       to_name=to_name)
    except delivery.SendRefused as exc:
        PendingOptIn.objects.filter(pk=pending.pk).update(send_refused=exc.reason[:40])
        return None
    PendingOptIn.objects.filter(pk=pending.pk).update(email_id=row.pk)
    pending.email_id = row.pk
    return row


class OptInInvalid(Exception):
    """A forged, altered or unknown link, or one for an address the contact no longer has."""


class OptInExpired(Exception):
    """The link is genuine but too old: the visitor fills in the form again."""

    def __init__(self, pending: PendingOptIn):
        super().__init__("expired")
        self.pending = pending


@dataclass(frozen=True)
class OptInOutcome:
    pending: PendingOptIn
    changed: bool  # False: it had been confirmed already


def optin_pending_for_token(token: str) -> PendingOptIn:
    """The pending opt-in a link names (for the page's language), or OptInInvalid."""
    try:
        pending_id = read_token(token)
    except BadToken:
        raise OptInInvalid from None
    pending = PendingOptIn.objects.filter(pk=pending_id).first()
    if pending is None:
        raise OptInInvalid
    return pending


def optin_confirm(*, token: str, ip: str | None = None, user_agent: str = "") -> OptInOutcome:
    """The visitor pressed "Confirm": the contact's consent becomes subscribed, with the
    proof (form, consent text, asked and confirmed when and from where) in consent_method
    and a timeline row. A suppression `unsubscribed_all` of the address goes (the owner of
    the address just asked again); hard bounces and complaints stay. Idempotent."""
    pending_id = optin_pending_for_token(token).pk
    now = clock.now()
    with transaction.atomic():
        pending = PendingOptIn.objects.select_for_update().get(pk=pending_id)
        if pending.confirmed_at is not None:
            return OptInOutcome(pending=pending, changed=False)
        if pending.expires_at <= now:
            raise OptInExpired(pending)
        contact = subscription_selectors.contact_for_mail(pending.contact_id)
        if contact is None or rules.normalize_address(contact.email) != pending.address:
            raise OptInInvalid  # the address changed since: this confirmation was for another
        actor = Actor.system("mail")
        removed = Suppression.objects.filter(address=pending.address, reason=Suppression.Reason.UNSUBSCRIBED_ALL)
        if removed.exists():
            SuppressionRemoval.objects.create(address=pending.address, reason=Suppression.Reason.UNSUBSCRIBED_ALL,
                                              why=f"Double opt-in confirmed (form {pending.form_slug})"[:500],
                                              removed_at=now, removed_by=actor.label[:200])
            removed.delete()
        if contact.consent != "subscribed":
            method = f"form {pending.form_slug} (double opt-in, confirmed from {ip or 'unknown IP'}): {pending.consent_text}"
            contact_services.contact_update(contact_id=contact.pk, data={"consent": "subscribed", "consent_method": method[:200]},
                                            actor=actor)
        pending.confirmed_at, pending.confirmed_ip = now, ip or None
        pending.confirmed_user_agent = (user_agent or "").replace("\x00", "")[:500]
        pending.save(update_fields=["confirmed_at", "confirmed_ip", "confirmed_user_agent"])
        timeline_write_many(rows=[(contact.pk, {
            "form": pending.form_slug, "form_name": pending.form_name, "address": pending.address,
            "consent_text": pending.consent_text, "submission_id": pending.submission_id,
            "requested_at": pending.requested_at.isoformat(), "requested_ip": pending.requested_ip or "",
            "confirmed_at": now.isoformat(), "confirmed_ip": ip or "",
        })], kind=EMAIL_OPT_IN_CONFIRMED, actor=actor)
    return OptInOutcome(pending=pending, changed=True)


# ---------------------------------------------------------------- resubscribe


def resubscribe_email_send(*, request_id: int) -> OutboundEmail | None:
    """The confirmation email of a pending resubscribe (the preference centre's "email me
    again"), in the contact's language, once per request. None for a request gone or
    already confirmed, or an address that may get no mail at all."""
    pending = ResubscribeRequest.objects.filter(pk=request_id, confirmed_at__isnull=True).first()
    if pending is None:
        return None
    contact = subscription_selectors.contact_for_mail(pending.contact_id)
    language = _language(getattr(contact, "language", ""))
    topics = {t.key: t for t in subscription_selectors.topics()}
    with translation.override(language):
        labels = [topics[k].label for k in pending.topic_keys if k in topics]
    url = _absolute(reverse("subscriptions:confirm", args=[pending.token])) + f"?lang={language}"
    email = _render("resubscribe", {"url": url, "topics": labels, "days": (pending.expires_at - pending.created_at).days,
                                    "first_name": getattr(contact, "first_name", "")}, language)
    try:
        return _deliver(to=pending.address, email=email, key=f"resubscribe:{pending.pk}", contact_id=pending.contact_id)
    except delivery.SendRefused:
        return None
