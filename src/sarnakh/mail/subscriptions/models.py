"""Tables of subscriptions: topics, per-topic opt-outs, suppressed addresses and pending
resubscribe confirmations. Imported by mail/models.py (the app's models module).

Contacts are referred to by id (a plain indexed integer, like segment members): an opt-out
outlives a deleted contact harmlessly. Suppression is by address, not contact: an address
stays suppressed whichever contact (or none) holds it, so a re-import cannot undo it.
"""

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class SubscriptionTopic(models.Model):
    """What a marketing message is about (newsletter, product news…); a contact can leave
    one topic and stay on the others. `name_en`/`name_fa` are its label per language."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=100)
    name_fa = models.CharField(_("name (Persian)"), max_length=100, blank=True, default="")
    description = models.TextField(_("description"), blank=True, default="")
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        app_label = "mail"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if (translation.get_language() or "").startswith("fa") and self.name_fa:
            return self.name_fa
        return self.name_en


class TopicOptOut(models.Model):
    class How(models.TextChoices):
        PREFERENCE_CENTRE = "preference_centre", _("Preference centre")
        STAFF = "staff", _("Staff")
        API = "api", _("API")
        IMPORT = "import", _("Import")

    contact_id = models.BigIntegerField(db_index=True)
    topic = models.ForeignKey(SubscriptionTopic, on_delete=models.CASCADE, related_name="opt_outs")
    at = models.DateTimeField()
    how = models.CharField(max_length=20, choices=How.choices)

    class Meta:
        app_label = "mail"
        constraints = [models.UniqueConstraint(fields=["contact_id", "topic"], name="mail_topic_opt_out_unique")]
        indexes = [models.Index(fields=["topic", "contact_id"], name="mail_opt_out_topic_idx")]

    def __str__(self) -> str:
        return f"{self.contact_id} ✕ {self.topic_id}"


class Suppression(models.Model):
    class Reason(models.TextChoices):
        UNSUBSCRIBED_ALL = "unsubscribed_all", _("Unsubscribed from all")
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Complaint")
        INVALID = "invalid", _("Invalid address")
        MANUAL = "manual", _("Added by hand")

    address = models.CharField(_("email address"), max_length=254)  # trimmed, lower-cased
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField(_("added"))

    class Meta:
        app_label = "mail"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["address", "reason"], name="mail_suppression_address_reason_unique")]
        indexes = [models.Index(fields=["reason", "address"], name="mail_suppression_reason_idx")]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class ResubscribeRequest(models.Model):
    """Someone who unsubscribed from all asked to receive marketing again: it applies only
    when the link sent to the address (/p/confirm/<token>) is opened before `expires_at`."""

    token = models.CharField(max_length=64, unique=True)
    contact_id = models.BigIntegerField(db_index=True)
    address = models.CharField(max_length=254)
    topic_keys = models.JSONField(default=list)  # the topics asked for
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "mail"

    def __str__(self) -> str:
        return f"resubscribe {self.contact_id}"


class SuppressionRemoval(models.Model):
    """A suppression someone removed, and why (the row itself is deleted)."""

    address = models.CharField(max_length=254)
    reason = models.CharField(max_length=20)  # the removed row's reason
    why = models.CharField(max_length=500)
    removed_at = models.DateTimeField()
    removed_by = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        app_label = "mail"

    def __str__(self) -> str:
        return f"{self.address} ({self.reason}) removed"
