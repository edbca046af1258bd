"""Contacts, companies, lifecycle stages, stage history, timeline, notes, custom properties.

Tables only: writes live in services.py, reads in selectors.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.contacts.choices import (
    Consent,
    EmployeeBand,
    Funnel,
    LeadStatus,
    ObjectType,
    PropertyType,
    RevenueBand,
    StageKind,
)
from sarnakh.core.lead_source import Channel, SourceType


class LifecycleStage(models.Model):
    """A stage has a label per language: `name` in English (the default for every other
    language) and `name_fa` in Persian; admins edit both. The key never changes."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_fa = models.CharField(_("Persian name"), max_length=80, blank=True, default="")
    order = models.PositiveIntegerField(_("order"))
    funnel = models.CharField(_("funnel position"), max_length=8, choices=Funnel.choices, default=Funnel.TOFU)
    kind = models.CharField(_("kind"), max_length=8, choices=StageKind.choices, default=StageKind.FUNNEL)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The reader's label: every page, sentence and chart shows a stage through this
        (or `contacts.selectors.stage_label` when it holds only the key)."""
        if (get_language() or "").startswith("fa") and self.name_fa:
            return self.name_fa
        # Without a Persian name, a shipped English name still has its catalogue entry;
        # a name an admin typed passes through as typed.
        return gettext(self.name)

    def label_in(self, language: str) -> str:
        with translation.override(language):
            return self.display_name


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("domain"), max_length=253, blank=True, default="")
    industry = models.CharField(_("industry"), max_length=120, blank=True, default="")
    employee_band = models.CharField(_("employees"), max_length=16, choices=EmployeeBand.choices, blank=True, default="")
    revenue_band = models.CharField(_("annual revenue"), max_length=16, choices=RevenueBand.choices, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    properties = models.JSONField(_("custom properties"), default=dict, blank=True)
    search_text = models.TextField(default="", blank=True, editable=False)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(fields=["domain"], condition=~Q(domain=""), name="company_domain_unique"),
        ]
        indexes = [models.Index(fields=["updated_at", "id"])]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100, blank=True, default="")
    email = models.CharField(_("email"), max_length=254, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts", verbose_name=_("company"))
    job_title = models.CharField(_("job title"), max_length=150, blank=True, default="")
    country = models.CharField(_("country"), max_length=2, blank=True, default="")
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, default="")
    stage = models.ForeignKey(LifecycleStage, to_field="key", db_column="stage", on_delete=models.PROTECT, related_name="+", verbose_name=_("lifecycle stage"))
    lead_status = models.CharField(_("lead status"), max_length=16, choices=LeadStatus.choices, default=LeadStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_contacts", verbose_name=_("owner"))
    source_type = models.CharField(_("source type"), max_length=10, choices=SourceType.choices, default=SourceType.INBOUND)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.OTHER)
    utm_source = models.CharField(_("UTM source"), max_length=200, blank=True, default="")
    utm_medium = models.CharField(_("UTM medium"), max_length=200, blank=True, default="")
    utm_campaign = models.CharField(_("UTM campaign"), max_length=200, blank=True, default="")
    utm_term = models.CharField(_("UTM term"), max_length=200, blank=True, default="")
    utm_content = models.CharField(_("UTM content"), max_length=200, blank=True, default="")
    referrer = models.CharField(_("referrer"), max_length=2000, blank=True, default="")
    landing_page = models.CharField(_("landing page"), max_length=2000, blank=True, default="")
    consent = models.CharField(_("email consent"), max_length=14, choices=Consent.choices, default=Consent.NOT_ASKED)
    consent_at = models.DateTimeField(_("consent changed at"), null=True, blank=True)
    consent_method = models.CharField(_("consent recorded how"), max_length=200, blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts", verbose_name=_("tags"))
    properties = models.JSONField(_("custom properties"), default=dict, blank=True)
    search_text = models.TextField(default="", blank=True, editable=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from")
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email="") & Q(merged_into__isnull=True), name="contact_email_unique"
            ),
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(email="") & ~Q(phone="") & Q(merged_into__isnull=True),
                name="contact_phone_without_email_unique",
            ),
        ]
        indexes = [
            # A plain index too: the partial unique one only serves queries that repeat its condition.
            models.Index(fields=["email"], name="contact_email_idx"),
            models.Index(fields=["phone"]),
            models.Index(fields=["updated_at", "id"]),
            # The list's default order (newest first, by the Created column) reads the
            # first page from this index instead of sorting every contact.
            models.Index(fields=["created_at", "id"], name="contact_created_idx"),
            models.Index(fields=["stage", "id"]),
            models.Index(fields=["owner", "id"]),
            models.Index(fields=["channel"]),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.phone or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class StageChange(models.Model):
    """One row per lifecycle move: funnel, velocity and SLA reports read these."""

    class Source(models.TextChoices):
        USER = "user", _("User")
        API = "api", _("API")
        IMPORT = "import", _("Import")
        RULE = "rule", _("Rule")
        SYSTEM = "system", _("System")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=40, blank=True, default="")
    to_stage = models.CharField(max_length=40)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.USER)
    rule = models.CharField(max_length=200, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    is_backward = models.BooleanField(default=False)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["contact", "changed_at"]),
            models.Index(fields=["to_stage", "changed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage}"


class Activity(models.Model):
    """A timeline row: written in the same transaction as the change it describes."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="activities")
    # Any kind registered in core.timeline (each app registers its own), so no choices here.
    kind = models.CharField(max_length=20)
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["contact", "-occurred_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


class Note(models.Model):
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes")
    company = models.ForeignKey(Company, null=True, blank=True, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contact__isnull=False) | Q(company__isnull=False), name="note_has_subject"
            )
        ]

    def __str__(self) -> str:
        return self.body[:60]


class PropertyDefinition(models.Model):
    object_type = models.CharField(_("applies to"), max_length=8, choices=ObjectType.choices)
    key = models.SlugField(_("key"), max_length=64)
    label = models.CharField(_("label"), max_length=120)
    type = models.CharField(_("type"), max_length=16, choices=PropertyType.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=300, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["object_type", "label"]
        constraints = [models.UniqueConstraint(fields=["object_type", "key"], name="property_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        """Shipped properties (scoring's BANT ones) read in the reader's language; a label an
        admin typed passes through as typed."""
        return gettext(self.label)

    @property
    def display_help(self) -> str:
        return gettext(self.help_text) if self.help_text else ""
