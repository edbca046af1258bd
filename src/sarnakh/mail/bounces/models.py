"""Bounce tables: what came back for a sent message (Bounce), and every report read once
(FeedbackReceipt: a mailbox message's or an ESP event's key, so a crash mid-run or a
webhook retried by the ESP never counts twice). Tables only: writes live in services.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Bounce(models.Model):
    class Kind(models.TextChoices):
        HARD = "hard", _("Hard bounce")
        SOFT = "soft", _("Soft bounce")
        COMPLAINT = "complaint", _("Complaint")

    email_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # OutboundEmail, when attributed
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # plain id: contacts is another app
    address = models.CharField(_("email address"), max_length=254)  # trimmed, lower-cased
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status_code = models.CharField(_("status"), max_length=20, blank=True, default="")  # e.g. 5.1.1
    diagnostic = models.TextField(_("diagnostic"), blank=True, default="")
    source = models.CharField(_("source"), max_length=40, blank=True, default="")  # mailbox | esp:<name>
    received_at = models.DateTimeField(_("received"))

    class Meta:
        app_label = "mail"
        db_table = "mail_bounce"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["address", "kind", "received_at"], name="mail_bounce_address_idx")]

    def __str__(self) -> str:
        return f"{self.address} ({self.kind})"


class FeedbackReceipt(models.Model):
    """One report read: a bounce-mailbox message (its Message-ID, else a hash of its
    bytes) or an ESP event (its event id), with what came of it."""

    key = models.CharField(max_length=300, unique=True)
    source = models.CharField(max_length=40)
    outcome = models.CharField(max_length=20)  # hard | soft | complaint | delivered | unsubscribed | ignored
    reason = models.CharField(max_length=200, blank=True, default="")  # why ignored, or what was found
    received_at = models.DateTimeField()

    class Meta:
        app_label = "mail"
        db_table = "mail_feedback_receipt"
        ordering = ["-id"]
        indexes = [models.Index(fields=["outcome", "received_at"], name="mail_feedback_outcome_idx")]

    def __str__(self) -> str:
        return f"{self.key}: {self.outcome}"
