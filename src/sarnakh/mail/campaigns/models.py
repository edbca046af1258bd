"""Broadcast campaigns: one message (a template, from a sender, about a topic) sent to an
audience (a segment or list, or a contact filter), now, at a time, or at each recipient's
local time, and the one row per (campaign, contact) that the workers claim.

Tables only: writes live in services.py (composing, scheduling, pause/resume/cancel) and
sending.py (the workers); reads in selectors.py. Imported by mail/models.py.

Contacts and segments are referred to by plain ids (other apps); the template, the sender
and the sent-message log are this app's own tables.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.mail.content.models import EmailTemplate
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        SENT = "sent", _("Sent")

    class AudienceKind(models.TextChoices):
        SEGMENT = "segment", _("A segment or list")
        FILTER = "filter", _("A contact filter")

    class ScheduleKind(models.TextChoices):
        NOW = "now", _("Now")
        AT = "at", _("At a time")
        LOCAL_TIME = "local_time", _("At each recipient's local time")

    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    template = models.ForeignKey(EmailTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    sender = models.ForeignKey(SenderIdentity, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("sender"))  # null: the default sender at send time
    topic = models.SlugField(_("topic"), max_length=40, blank=True, default="")  # a subscription topic key
    audience_kind = models.CharField(_("audience"), max_length=8, choices=AudienceKind.choices, default=AudienceKind.SEGMENT)
    segment_id = models.BigIntegerField(_("segment or list"), null=True, blank=True)  # plain id: segments is another app
    audience_filter = models.JSONField(_("contact filter"), default=dict, blank=True)  # the filter language's tree
    schedule_kind = models.CharField(_("schedule"), max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.NOW)
    # AT: the moment to start. LOCAL_TIME: its wall-clock time (and date) in each recipient's
    # time zone (contacts without one use the site's time zone).
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # Optional daily window in the recipient's local time (e.g. 09:00–17:00); outside it a
    # recipient waits for the next opening.
    window_start = models.TimeField(_("window opens"), null=True, blank=True)
    window_end = models.TimeField(_("window closes"), null=True, blank=True)
    track_links = models.BooleanField(_("track opens and clicks"), default=True)
    utm_campaign = models.CharField(_("UTM campaign"), max_length=100, blank=True, default="")
    # Conversion measured in the report: contacts reaching this stage within N days of the send.
    conversion_stage = models.CharField(_("conversion stage"), max_length=40, blank=True, default="")
    conversion_days = models.PositiveSmallIntegerField(_("conversion window (days)"), default=30)
    # Set when recipients were materialised (review → schedule); the audience is frozen then.
    recipients_built_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created_by_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        app_label = "mail"
        ordering = ["-id"]
        db_table = "mail_campaign"
        indexes = [models.Index(fields=["status", "scheduled_at"], name="mail_campaign_due_idx")]

    def __str__(self) -> str:
        return self.name


class CampaignRecipient(models.Model):
    """One contact of one campaign, ever (unique): the workers claim pending rows whose
    `not_before` has come, send under the key `campaign:<campaign>:<contact>`, and record
    the outcome here. Excluded rows keep the reason they were left out (for the review and
    the report); deferred ones (frequency cap, quiet hours, send window) wait for `not_before`."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENT = "sent", _("Sent")
        EXCLUDED = "excluded", _("Excluded")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        CANCELLED = "cancelled", _("Cancelled")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    contact_id = models.BigIntegerField()
    email = models.CharField(max_length=254)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Why excluded (suppressed, no_consent, unsubscribed_topic, bounced, no_email…) or why
    # deferred last (frequency_cap, quiet_hours, window, rate_limit); empty otherwise.
    reason = models.CharField(max_length=40, blank=True, default="")
    deferrals = models.PositiveIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    email_log = models.ForeignKey(OutboundEmail, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "mail"
        db_table = "mail_campaign_recipient"
        constraints = [models.UniqueConstraint(fields=["campaign", "contact_id"], name="mail_campaign_recipient_once")]
        indexes = [
            models.Index(fields=["campaign", "status", "not_before"], name="mail_campaign_claim_idx"),
            models.Index(fields=["contact_id"], name="mail_campaign_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.email}"
