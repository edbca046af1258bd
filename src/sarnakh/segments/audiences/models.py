"""Retargeting audiences: a segment exported as a custom audience file for Google Customer
Match or Meta Custom Audiences, and each export's record.

Tables only (writes in services.py, reads in selectors.py). Imported by segments/models.py
so Django finds them in the `segments` app.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.segments.models import Segment


class Audience(models.Model):
    class Platform(models.TextChoices):
        GOOGLE = "google", _("Google Customer Match")
        META = "meta", _("Meta Custom Audience")

    class Schedule(models.TextChoices):
        MANUAL = "manual", _("By hand only")
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="audiences", verbose_name=_("segment"))
    name = models.CharField(_("name"), max_length=200)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    # Which identifiers go in the file: a list of formats.IDENTIFIERS (email, phone, name, location).
    identifiers = models.JSONField(_("identifiers"), default=list)
    schedule = models.CharField(_("schedule"), max_length=10, choices=Schedule.choices, default=Schedule.MANUAL)
    # The fetch URL's token is an HMAC of this random nonce under the site's secret key
    # (selectors.feed_token): the table never holds the token itself. Empty: no fetch URL.
    feed_nonce = models.CharField(max_length=64, blank=True, default="")
    feed_created_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class AudienceExport(models.Model):
    """One export of an audience: when, what it wrote, and who was left out and why."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    audience = models.ForeignKey(Audience, on_delete=models.CASCADE, related_name="exports", db_index=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, blank=True, default="")
    queued_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    members = models.PositiveIntegerField(default=0)
    exported = models.PositiveIntegerField(default=0)
    # reason (formats.REASONS) -> how many members it kept out.
    excluded = models.JSONField(default=dict)
    # Relative to SARNAKH_HOME/audiences; emptied when an older file is pruned.
    file_name = models.CharField(max_length=200, blank=True, default="")
    size_bytes = models.BigIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["audience", "queued_at"], name="audience_export_audience_idx")]

    def __str__(self) -> str:
        return f"{self.audience_id}/{self.pk} {self.status}"
