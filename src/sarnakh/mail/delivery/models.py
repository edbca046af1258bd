"""Delivery tables: who sends (SenderIdentity, with its DKIM key) and what was sent
(OutboundEmail, one row per idempotency key). Tables only: writes live in services.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SenderIdentity(models.Model):
    """A From identity. The DKIM private key is kept in the database (PEM) so any worker can
    sign; whoever reads the database can sign mail as this domain (see docs/email-delivery.md)."""

    from_name = models.CharField(_("from name"), max_length=200, blank=True, default="")
    from_address = models.EmailField(_("from address"), max_length=254)
    reply_to = models.EmailField(_("reply-to"), max_length=254, blank=True, default="")
    is_default = models.BooleanField(_("default"), default=False)
    dkim_domain = models.CharField(_("DKIM domain"), max_length=253, blank=True, default="")
    dkim_selector = models.CharField(_("DKIM selector"), max_length=63, blank=True, default="")
    dkim_private_key = models.TextField(blank=True, default="")
    dkim_public_key = models.TextField(blank=True, default="")  # base64 DER, the p= of the TXT record
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["id"]
        db_table = "mail_sender_identity"

    def __str__(self) -> str:
        return f"{self.from_name} <{self.from_address}>" if self.from_name else self.from_address

    @property
    def domain(self) -> str:
        return self.from_address.rpartition("@")[2].lower()


class OutboundEmail(models.Model):
    """One message Sarnakh sends, claimed under its idempotency key before the SMTP
    transaction: a second claim with the same key finds this row and never sends again."""

    class Kind(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        TRANSACTIONAL = "transactional", _("Transactional")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED_TEMPORARY = "failed_temporary", _("Failed, will retry")
        BOUNCED_HARD = "bounced_hard", _("Bounced (permanent)")

    idempotency_key = models.CharField(max_length=200, unique=True)
    contact_id = models.BigIntegerField(null=True, blank=True, db_index=True)  # plain id: contacts is another app
    to_address = models.CharField(_("to"), max_length=254)
    to_name = models.CharField(max_length=200, blank=True, default="")
    sender = models.ForeignKey(SenderIdentity, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=998)
    message_id = models.CharField(max_length=300, blank=True, default="")
    # The id an ESP gave the message (django-anymail), which its tracking webhooks name.
    esp_message_id = models.CharField(max_length=300, blank=True, default="", db_index=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    # Held by the process sending it now; a crashed sender's lease runs out and a retry may send.
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)  # an ESP said the server accepted it

    class Meta:
        ordering = ["-id"]
        db_table = "mail_outbound_email"
        indexes = [
            models.Index(fields=["status", "created_at"], name="mail_outbound_status_idx"),
            # bounces: a DSN without VERP names the original Message-ID, or only the recipient
            models.Index(fields=["message_id"], name="mail_outbound_message_id_idx"),
            models.Index(fields=["to_address", "created_at"], name="mail_outbound_to_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.to_address}: {self.subject}"
