"""Forms, their raw submissions, views, notifications and rate-limit windows.

Tables only: writes live in services.py, reads in selectors.py. Imported by
capture/models.py so the tables belong to the capture app.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.core.lead_source import Channel, SourceType


class Form(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    title = models.JSONField(_("title"), default=dict, blank=True)  # {"en": ..., "fa": ...} or a text
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    fields = models.JSONField(_("fields"), default=list)
    submit_label = models.JSONField(_("submit button"), default=dict, blank=True)
    consent_enabled = models.BooleanField(_("ask for consent"), default=False)
    consent_required = models.BooleanField(_("consent required"), default=False)
    consent_text = models.JSONField(_("consent text"), default=dict, blank=True)
    # Consent given on this form counts only once the visitor confirms it from the email
    # the mail app sends (mail/optin): until then the contact is not subscribed.
    double_opt_in = models.BooleanField(_("double opt-in"), default=False)
    source_type = models.CharField(_("source type"), max_length=10, choices=SourceType.choices, default=SourceType.INBOUND)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.WEB_FORM)
    thank_you_message = models.JSONField(_("thank-you message"), default=dict, blank=True)
    redirect_url = models.CharField(_("redirect URL"), max_length=2000, blank=True, default="")
    notify_emails = models.JSONField(_("notify by email"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """One POST, kept as it came (fields as posted, context, who and when) before any answer."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")
        SPAM = "spam", _("Spam")
        INVALID = "invalid", _("Invalid")

    class Via(models.TextChoices):
        API = "api", _("API / embed")
        HOSTED = "hosted", _("Hosted page")

    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.API)
    fields = models.JSONField(_("fields as posted"), default=dict, blank=True)
    raw_body = models.TextField(blank=True, default="")  # only when the body could not be parsed
    context = models.JSONField(default=dict, blank=True)  # visitor_id, page_url, referrer, utm_*
    visitor_id = models.CharField(max_length=64, blank=True, default="")
    language = models.CharField(max_length=10, blank=True, default="")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True, default="")
    received_at = models.DateTimeField(_("received"))
    errors = models.JSONField(default=dict, blank=True)  # per-field messages of an invalid submission
    spam_reason = models.CharField(max_length=20, blank=True, default="")  # the main signal of a held submission
    # 0-100 and the signals it adds up (engine.spam_assessment); null on submissions
    # received before spam scores, whose spam_reason alone says why they were held.
    spam_score = models.PositiveSmallIntegerField(_("spam score"), null=True, blank=True)
    spam_signals = models.JSONField(default=list, blank=True)  # [{"code", "points", "detail"?}]
    released_at = models.DateTimeField(null=True, blank=True)  # staff said "not spam": processed from then on
    released_by = models.CharField(max_length=200, blank=True, default="")
    consent_given = models.BooleanField(default=False)
    consent_text = models.TextField(blank=True, default="")  # the text the visitor saw, as proof
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="form_submissions")
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(_("processing error"), blank=True, default="")
    # The client's id of this submission attempt (embed, hosted page, Idempotency-Key):
    # a retry carrying it gets the first answer instead of a second row.
    idempotency_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["form", "idempotency_key"], condition=~models.Q(idempotency_key=""), name="form_submission_key_once"
            )
        ]
        indexes = [
            models.Index(fields=["form", "-received_at", "-id"]),
            models.Index(fields=["form", "status", "-id"]),
            models.Index(fields=["status", "id"]),
            models.Index(fields=["visitor_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.pk} {self.status}"


class FormView(models.Model):
    """One display of a form (hosted page or embed load), for conversion rates."""

    class Kind(models.TextChoices):
        HOSTED = "hosted", _("Hosted page")
        EMBED = "embed", _("Embedded")

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="views")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    viewed_at = models.DateTimeField()
    visitor_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["form", "viewed_at"])]

    def __str__(self) -> str:
        return f"{self.form_id} {self.kind} {self.viewed_at:%Y-%m-%d %H:%M}"


class FormNotification(models.Model):
    """The idempotency record of one notification email (submission + recipient)."""

    submission = models.ForeignKey(FormSubmission, on_delete=models.CASCADE, related_name="notifications")
    recipient = models.CharField(max_length=254)
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "recipient"], name="form_notification_once")]

    def __str__(self) -> str:
        return f"submission {self.submission_id} -> {self.recipient}"


class FormRateWindow(models.Model):
    """Submissions per key (client IP, form) per minute: a counter shared by every process."""

    bucket = models.CharField(max_length=80)
    minute = models.BigIntegerField()  # minutes since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bucket", "minute"], name="form_rate_window_unique")]
        indexes = [models.Index(fields=["minute"])]

    def __str__(self) -> str:
        return f"{self.bucket}@{self.minute}: {self.count}"
