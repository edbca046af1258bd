"""Behind the answer: a stored submission becomes a contact (identity matching and dedupe
from contacts.services), a timeline row, and one notification email per recipient.

Idempotent by submission id: a processed submission is never processed again, and each
notification (submission + recipient) is sent at most once however often its job runs.
A failure leaves the submission marked failed with the error, ready for a retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from sarnakh.capture.contact_page import FORM_SUBMITTED
from sarnakh.capture.events import FormSubmitted
from sarnakh.capture.forms import engine
from sarnakh.capture.forms.intake import rate_windows_prune, validate_fields
from sarnakh.capture.forms.models import Form, FormNotification, FormSubmission
from sarnakh.contacts import services as contact_services
from sarnakh.contacts.selectors import Consent
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sarnakh.core.events import publish
from sarnakh.core.jobs import enqueue
from sarnakh.core.timeline import timeline_write
from sarnakh.tracking import services as tracking_services

logger = logging.getLogger("sarnakh.capture.forms")

CLAIM_EXPIRES = dt.timedelta(minutes=10)
STUCK_AFTER = dt.timedelta(minutes=10)
RETRYABLE = (FormSubmission.Status.RECEIVED, FormSubmission.Status.FAILED)


def form_actor(form: Form) -> Actor:
    return Actor(source="system", label=f"Form: {form.name}"[:200])


def _describe(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        details = "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.fields.items())
        return f"{exc.message} {details}".strip()[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def _fill_company(contact, company_values: dict, *, actor: Actor) -> dict[str, list[str]]:
    """Company details from the form fill what the company does not know yet."""
    if not company_values or contact.company_id is None:
        return {}
    company = contact.company
    data = {k: v for k, v in company_values.items() if k not in ("name", "properties") and not getattr(company, k, "")}
    properties = {k: v for k, v in (company_values.get("properties") or {}).items() if k not in company.properties}
    if properties:
        data["properties"] = properties
    if not data:
        return {}
    try:
        with transaction.atomic():
            contact_services.company_update(company_id=company.pk, data=data, actor=actor)
    except DomainError as exc:
        return exc.fields or {"company": [exc.message]}
    return {}


def _process(submission: FormSubmission):
    form = submission.form
    values, errors = engine.clean_submission_values(form.fields, submission.fields, region=settings.SARNAKH_DEFAULT_REGION)
    if errors:
        raise ValidationFailed(_("The submission does not fit the form's current fields."), fields=errors)
    mapped = engine.map_to_contact(form.fields, values)
    data = {**engine.context_contact_values(submission.context), **mapped.contact}
    data["source_type"], data["channel"] = form.source_type, form.channel
    # Double opt-in: the consent waits for the confirmation email's link (the mail app
    # sends it on form.submitted and records the consent when the link is followed).
    consent_pending = submission.consent_given and form.double_opt_in
    if submission.consent_given and not consent_pending:
        data["consent"] = Consent.SUBSCRIBED
        data["consent_method"] = f"form {form.slug}: {submission.consent_text}"[:200]
    actor = form_actor(form)
    activity = {"form": form.slug, "submission_id": submission.pk}
    result = contact_services.contact_upsert(data=data, actor=actor, activity_data=activity)
    contact = result.contact
    company_errors = _fill_company(contact, mapped.company, actor=actor)
    timeline_write(
        contact=contact,
        kind=FORM_SUBMITTED,
        actor=actor,
        at=submission.received_at,
        data={
            **activity,
            "form_name": form.name,
            "fields": {name: value for name, value in values.items()},
            "labels": {d["name"]: engine.field_label(d, submission.language or form.language) for d in form.fields},
            "page_url": submission.context.get("page_url", ""),
            "visitor_id": submission.visitor_id,
            "consent": submission.consent_given,
            "consent_text": submission.consent_text,
            **({"consent_pending": True} if consent_pending else {}),
            "created": result.created,
            **({"released_by": submission.released_by} if submission.released_at else {}),
            **({"ignored": result.ignored} if result.ignored else {}),
            **({"company_errors": company_errors} if company_errors else {}),
        },
    )
    tracking_services.form_submission_track(
        submission_id=submission.pk, contact_id=contact.pk, visitor_id=submission.visitor_id,
        at=submission.received_at, form_slug=form.slug, form_name=form.name,
        page_url=submission.context.get("page_url", ""), referrer=submission.context.get("referrer", ""),
    )
    publish(
        FormSubmitted(
            contact_id=contact.pk, form=form.slug, form_name=form.name, submission_id=submission.pk, created=result.created,
            page_url=submission.context.get("page_url", "")[:2000], consent_pending=consent_pending,
        ),
        actor=actor,
    )
    return contact


def submission_process(*, submission_id: int) -> FormSubmission | None:
    """Turns one stored submission into its contact; marks it processed or failed."""
    with transaction.atomic():
        submission = FormSubmission.objects.select_for_update().filter(pk=submission_id).first()
        if submission is None or submission.status not in RETRYABLE:
            return submission
        submission.form = Form.objects.get(pk=submission.form_id)
        submission.attempts += 1
        try:
            with transaction.atomic():
                contact = _process(submission)
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the submission, never lost
            if not isinstance(exc, DomainError):
                logger.exception("form %s: processing submission %s failed", submission.form.slug, submission.pk)
            submission.status, submission.error = FormSubmission.Status.FAILED, _describe(exc)
            submission.save(update_fields=["status", "error", "attempts"])
            return submission
        submission.status, submission.error = FormSubmission.Status.PROCESSED, ""
        submission.contact, submission.processed_at = contact, clock.now()
        submission.save(update_fields=["status", "error", "attempts", "contact", "processed_at"])
        _queue_notifications(submission)
    if submission.pk % 100 == 0:
        rate_windows_prune()
    return submission


def _queue_notifications(submission: FormSubmission) -> None:
    from sarnakh.capture.forms import tasks

    now = clock.now()
    for recipient in submission.form.notify_emails or []:
        notification, created = FormNotification.objects.get_or_create(
            submission=submission, recipient=recipient, defaults={"created_at": now}
        )
        if created:
            enqueue(tasks.send_form_notification, notification.pk)


def submission_retry(*, form_slug: str, submission_id: int, actor: Actor | None = None) -> FormSubmission:
    """Processes a failed (or stuck) submission again, now, and returns it."""
    submission = FormSubmission.objects.filter(pk=submission_id, form__slug=form_slug).first()
    if submission is None:
        raise NotFound(_("Submission not found."))
    if submission.status not in RETRYABLE:
        raise ValidationFailed(_("Only failed or waiting submissions can be retried; this one is %(status)s.") % {"status": submission.get_status_display()})
    done = submission_process(submission_id=submission.pk)
    assert done is not None
    return done


def submission_release(*, form_slug: str, submission_id: int, actor: Actor) -> FormSubmission:
    """Staff say a submission held as spam is not spam: it is checked against the form and
    processed now, as if it had just come in (contact, timeline row, event, notifications).

    Applied once: releasing a released submission again changes nothing and returns it;
    a submission that was never held cannot be released."""
    with transaction.atomic():
        submission = FormSubmission.objects.select_for_update().filter(pk=submission_id, form__slug=form_slug).first()
        if submission is None:
            raise NotFound(_("Submission not found."))
        if submission.released_at is not None:
            return submission
        if submission.status != FormSubmission.Status.SPAM:
            raise Conflict(
                _("Only submissions held as spam can be released; this one is %(status)s.") % {"status": submission.get_status_display()}
            )
        form = Form.objects.get(pk=submission.form_id)
        fields = submission.fields if isinstance(submission.fields, dict) else {}
        errors = validate_fields(form, fields, submission.consent_given)
        submission.released_at, submission.released_by = clock.now(), actor.label[:200]
        submission.status = FormSubmission.Status.INVALID if errors else FormSubmission.Status.RECEIVED
        submission.errors = errors
        submission.save(update_fields=["released_at", "released_by", "status", "errors"])
        if errors:
            return submission
        # In the same transaction: a release that commits has processed the submission or
        # left it failed (retryable), never released and forgotten.
        done = submission_process(submission_id=submission.pk)
    assert done is not None
    return done


def submissions_retry_failed(*, form_slug: str | None = None) -> dict[str, int]:
    """Retries every failed submission, those left waiting too long, and unsent notifications."""
    stuck_before = clock.now() - STUCK_AFTER
    qs = FormSubmission.objects.filter(
        Q(status=FormSubmission.Status.FAILED) | Q(status=FormSubmission.Status.RECEIVED, received_at__lt=stuck_before)
    )
    if form_slug:
        qs = qs.filter(form__slug=form_slug)
    counts = {"processed": 0, "failed": 0, "notifications_sent": 0}
    for submission_id in qs.order_by("id").values_list("id", flat=True).iterator():
        done = submission_process(submission_id=submission_id)
        if done is not None and done.status == FormSubmission.Status.PROCESSED:
            counts["processed"] += 1
        else:
            counts["failed"] += 1
    unsent = FormNotification.objects.filter(sent_at__isnull=True, created_at__lt=stuck_before)
    if form_slug:
        unsent = unsent.filter(submission__form__slug=form_slug)
    for notification_id in unsent.values_list("id", flat=True):
        counts["notifications_sent"] += int(notification_send(notification_id=notification_id))
    return counts


# ---------------------------------------------------------------- notification email

def _message_id(notification: FormNotification) -> str:
    digest = hashlib.sha256(f"{notification.submission_id}:{notification.recipient}".encode()).hexdigest()[:24]
    return f"<form-submission-{notification.submission_id}-{digest}@sarnakh>"


def notification_message(notification: FormNotification) -> EmailMultiAlternatives:
    submission = notification.submission
    form = submission.form
    language = form.language or settings.LANGUAGE_CODE
    rows = []
    for definition in form.fields:
        value = submission.fields.get(definition["name"]) if isinstance(submission.fields, dict) else None
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        rows.append((engine.field_label(definition, language), "" if value is None else str(value)))
    base = settings.SARNAKH_BASE_URL
    context = {
        "form": form, "submission": submission, "rows": rows,
        "contact_url": f"{base}/contacts/{submission.contact_id}/" if submission.contact_id else "",
        "submissions_url": f"{base}/forms/{form.slug}/",
    }
    with translation.override(language):
        subject = _("New submission: %(form)s") % {"form": form.name}
        text = render_to_string("capture/forms/notification_email.txt", context)
        html = render_to_string("capture/forms/notification_email.html", context)
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " ")[:200], body=text, to=[notification.recipient],
        headers={"Message-ID": _message_id(notification), "X-Sarnakh-Idempotency-Key": f"form-submission-{submission.pk}:{notification.recipient}"},
    )
    message.attach_alternative(html, "text/html")
    return message


def notification_send(*, notification_id: int) -> bool:
    """Sends one notification unless it was sent (or is being sent) already; True when sent now.

    The claim is a conditional UPDATE, so two runs of the same job never both send; a
    send that fails releases the claim and records the error for the next retry."""
    now = clock.now()
    claimed = (
        FormNotification.objects.filter(pk=notification_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    notification = FormNotification.objects.select_related("submission__form").get(pk=notification_id)
    try:
        notification_message(notification).send(fail_silently=False)
    except Exception as exc:  # noqa: BLE001 - recorded; `sarnakh forms retry-failed` sends it later
        logger.warning("form notification %s to %s failed: %s", notification_id, notification.recipient, exc)
        FormNotification.objects.filter(pk=notification_id).update(claimed_at=None, error=f"{type(exc).__name__}: {exc}"[:2000])
        return False
    FormNotification.objects.filter(pk=notification_id).update(sent_at=clock.now(), error="")
    return True
