"""Outbound webhooks: the subscriptions, one delivery per webhook and event, and one log
row per attempt to send it.

Tables only: writes live in services.py and delivery_services.py, reads in selectors.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Webhook(models.Model):
    """An address that receives the events it names, signed with its secret."""

    class Format(models.TextChoices):
        JSON = "json", _("JSON (signed)")
        SLACK = "slack", _("Slack message")

    class DisabledReason(models.TextChoices):
        NONE = "", _("None")
        FAILING = "failing", _("Switched off after failing deliveries")

    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    url = models.CharField(_("URL"), max_length=2000)
    # Event names, or ["*"] for every event (as Stripe's enabled_events).
    events = models.JSONField(_("events"), default=list)
    payload_format = models.CharField(_("payload format"), max_length=10, choices=Format.choices, default=Format.JSON)
    # Kept as is, not hashed: every delivery is signed with it. Shown once, never again.
    secret = models.CharField(max_length=100)
    # After a rotation the old secret also signs deliveries for a day, so receivers can switch over.
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=20, blank=True, default="", choices=DisabledReason.choices)
    disabled_at = models.DateTimeField(null=True, blank=True)
    # The current run of failed attempts (no success since): when it began and how long it is.
    failing_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Set when the admins were told it was switched off (the notice is sent once).
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: the exact body sent, and where its sending stands."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        RETRYING = "retrying", _("Retrying")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    # The event log's id (core.EventRecord); empty for a test ping. Not a foreign key: the
    # delivery log keeps its own copy of what was sent.
    event_id = models.BigIntegerField(null=True, blank=True)
    event_name = models.CharField(max_length=80)
    body = models.TextField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    # Event deliveries are retried on their own with backoff; a test ping is tried once.
    retries = models.BooleanField(default=True)
    attempts = models.PositiveIntegerField(default=0)
    auto_attempts = models.PositiveIntegerField(default=0)
    manual_requested = models.BooleanField(default=False)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while an attempt is under way (status "sending"); a stale one was interrupted.
    claimed_at = models.DateTimeField(null=True, blank=True)
    status_before_claim = models.CharField(max_length=12, blank=True, default="")
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    # What went wrong (a code the pages translate) and the technical detail.
    last_error_kind = models.CharField(max_length=20, blank=True, default="")
    last_error = models.CharField(max_length=500, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "event_id"], name="webhooks_delivery_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["webhook", "-id"], name="webhooks_delivery_newest"),
            models.Index(fields=["webhook", "created_at"], name="webhooks_delivery_created"),
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → webhook {self.webhook_id}"


class WebhookAttempt(models.Model):
    """One try at sending a delivery: what came back and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    manual = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error_kind = models.CharField(max_length=20, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")
    response_body = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["delivery", "number"], name="webhooks_attempt_number_once")]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}"
