"""Tracking table: one row per open (pixel load) or click (redirect) of a sent message.
Tables only: writes live in services.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.mail.delivery.models import OutboundEmail


class EmailEngagement(models.Model):
    """An open or a click, as it arrived: machine ones (Apple's proxy prefetch, security
    scanners, bots) are kept with `machine` set and left out of human figures. Privacy: the
    address is kept only as its /24 (IPv4) or /48 (IPv6) network."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Open")
        CLICK = "click", _("Click")

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="+")
    contact_id = models.BigIntegerField(null=True, blank=True)  # plain id: contacts is another app
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    url = models.CharField(_("URL"), max_length=2000, blank=True, default="")
    occurred_at = models.DateTimeField(_("at"))
    machine = models.BooleanField(_("machine"), default=False)
    machine_reason = models.CharField(max_length=30, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")
    ip_prefix = models.CharField(max_length=50, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        db_table = "mail_email_engagement"
        indexes = [
            # Campaign figures and the click map (GROUP BY over a set of messages), and the
            # redirect's look at the message's recent clicks.
            models.Index(fields=["email", "kind", "occurred_at"], name="mail_engagement_email_idx"),
            models.Index(fields=["contact_id", "occurred_at"], name="mail_engagement_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of email {self.email_id}"
