"""Segments: dynamic ones (a filter, membership kept current) and static lists (members
added and removed by hand), each member's row, and the history of joins and leaves.

Tables only: writes live in services.py, reads in selectors.py. Contacts are referred to
by id (a plain indexed integer, not a foreign key): the history outlives a deleted contact,
and a contact that is deleted or merged away leaves its segments through a re-evaluation,
with its `segment.left` event, instead of vanishing silently by a cascade.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Dynamic segment")
        STATIC = "static", _("Static list")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, default="")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    # The filter language's JSON tree (docs/segments.md); empty for a static list.
    filter = models.JSONField(_("filter"), default=dict, blank=True)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    last_refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class SegmentMembership(models.Model):
    """A contact in a segment now: since when and why."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False)
    contact_id = models.BigIntegerField()
    entered_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        # (segment, contact) serves the members list and the diff; (contact) the segments of one contact.
        constraints = [models.UniqueConstraint(fields=["segment", "contact_id"], name="segment_membership_unique")]
        indexes = [models.Index(fields=["contact_id"], name="segment_membership_contact_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.contact_id}"


class SegmentMembershipChange(models.Model):
    """One join or leave, kept after the contact or the membership is gone."""

    class Change(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes", db_index=False)
    contact_id = models.BigIntegerField()
    change = models.CharField(max_length=10, choices=Change.choices)
    reason = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["segment", "at"], name="segment_change_segment_idx"),
            models.Index(fields=["contact_id", "at"], name="segment_change_contact_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}/{self.contact_id} {self.change} @ {self.at:%Y-%m-%d %H:%M}"

from sarnakh.segments.audiences.models import Audience, AudienceExport  # noqa: E402, F401 - retargeting audiences' tables
from sarnakh.segments.hygiene.models import DuplicateDismissal  # noqa: E402,F401 - list hygiene's table
