"""Tracked sites, visitors, sessions, events and the channel rule table.

Tables only: writes live in services.py / ingest.py / processor.py, reads in selectors.py.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sarnakh.core.lead_source import Channel


class Site(models.Model):
    """A tracked website: its public key and the origins allowed to send with it."""

    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("site key"), max_length=40, unique=True)
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Visitor(models.Model):
    """One browser (its first-party cookie id), and the contact it is known to be."""

    visitor_id = models.CharField(max_length=64, unique=True)
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    identified_at = models.DateTimeField(null=True, blank=True)
    identified_by = models.CharField(max_length=20, blank=True, default="")  # form, identify, email_link, api

    class Meta:
        indexes = [models.Index(fields=["contact"])]

    def __str__(self) -> str:
        return self.visitor_id


class Session(models.Model):
    """Consecutive events of one visitor with no gap of 30 minutes or more."""

    visitor_id = models.CharField(max_length=64)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="tracked_sessions")
    started_at = models.DateTimeField()
    last_event_at = models.DateTimeField()
    entry_url = models.CharField(max_length=2000, blank=True, default="")
    entry_path = models.CharField(max_length=1000, blank=True, default="")
    referrer = models.CharField(max_length=2000, blank=True, default="")
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.DIRECT)
    utm_source = models.CharField(max_length=200, blank=True, default="")
    utm_medium = models.CharField(max_length=200, blank=True, default="")
    utm_campaign = models.CharField(max_length=200, blank=True, default="")
    utm_term = models.CharField(max_length=200, blank=True, default="")
    utm_content = models.CharField(max_length=200, blank=True, default="")
    page_count = models.PositiveIntegerField(default=0)
    event_count = models.PositiveIntegerField(default=0)
    is_bot = models.BooleanField(default=False)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["visitor_id", "-last_event_at"]),
            models.Index(fields=["contact", "started_at"]),
            models.Index(fields=["started_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.visitor_id} @ {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration_seconds(self) -> int:
        return int((self.last_event_at - self.started_at).total_seconds())


class Event(models.Model):
    """One behaviour, stored raw before the sender gets its answer, processed behind it.

    `source` + `event_id` is the idempotency key: a site's or an API key's event id is
    stored once however often it is sent."""

    class Type(models.TextChoices):
        PAGE_VIEW = "page_view", _("Page view")
        TRACK = "track", _("Event")
        IDENTIFY = "identify", _("Identify")

    source = models.CharField(max_length=24)  # "s<site id>", "k<api key id>" or "internal"
    event_id = models.CharField(max_length=64)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    type = models.CharField(max_length=10, choices=Type.choices)
    name = models.CharField(max_length=100, blank=True, default="")
    visitor_id = models.CharField(max_length=64, blank=True, default="")
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    url = models.CharField(max_length=2000, blank=True, default="")
    path = models.CharField(max_length=1000, blank=True, default="")
    title = models.CharField(max_length=300, blank=True, default="")
    referrer = models.CharField(max_length=2000, blank=True, default="")
    label = models.CharField(max_length=200, blank=True, default="")  # CTA label, download name…
    properties = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)  # utm_*, screen, language, ip, user agent, email…
    # filled in by processing
    processed_at = models.DateTimeField(null=True, blank=True)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    contact = models.ForeignKey("contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="tracked_events")
    is_bot = models.BooleanField(default=False)
    bot_reason = models.CharField(max_length=20, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["source", "event_id"], name="event_source_id_unique")]
        indexes = [
            models.Index(fields=["id"], condition=Q(processed_at__isnull=True), name="event_unprocessed_idx"),
            models.Index(fields=["visitor_id", "occurred_at"]),
            models.Index(fields=["contact", "occurred_at"]),
            models.Index(fields=["received_at"]),
            models.Index(fields=["occurred_at", "type"]),
        ]

    def __str__(self) -> str:
        return f"{self.type}:{self.name or self.path} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class ChannelRule(models.Model):
    """One row of the editable channel table; the first matching row (by position) wins."""

    class Field(models.TextChoices):
        UTM_MEDIUM = "utm_medium", _("UTM medium")
        UTM_SOURCE = "utm_source", _("UTM source")
        REFERRER_HOST = "referrer_host", _("Referrer host")
        URL_PARAM = "url_param", _("Landing page has parameter")

    position = models.PositiveIntegerField(_("position"))
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    pattern = models.CharField(_("pattern"), max_length=500)  # comma-separated values; see channels.py
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.field} ~ {self.pattern} → {self.channel}"


class TrackingSettings(models.Model):
    """One row: retention and privacy switches an admin may change."""

    anonymous_retention_days = models.PositiveIntegerField(_("keep anonymous events for (days)"), default=180)
    respect_do_not_track = models.BooleanField(_("respect Do-Not-Track"), default=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"retention {self.anonymous_retention_days} days"
