"""Scoring models and their versions, each contact's current scores, and the score trend.

Tables only: writes live in services.py, reads in selectors.py, the rules in engine/.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScoringModel(models.Model):
    """A named scoring model (e.g. per product line); its rules live in versions."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_default = models.BooleanField(_("default model"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    current_version = models.ForeignKey(
        "ScoringModelVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("current version")
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        ordering = ["-is_default", "name", "id"]
        constraints = [
            # At most one default; the data migration creates it and services keep it.
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="scoring_one_default_model"),
        ]

    def __str__(self) -> str:
        return self.name


class ScoringModelVersion(models.Model):
    """One saved set of rules (the engine's ModelSpec as JSON); never changed afterwards."""

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    spec = models.JSONField(_("rules"))
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True, default="")

    class Meta:
        ordering = ["model", "-number"]
        constraints = [models.UniqueConstraint(fields=["model", "number"], name="scoring_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.model_id}@v{self.number}"


class ContactScore(models.Model):
    """A contact's latest score under one model, with the breakdown that explains it."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="scores")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="scores")
    version = models.ForeignKey(ScoringModelVersion, on_delete=models.CASCADE, related_name="+")
    fit = models.DecimalField(max_digits=10, decimal_places=2)
    grade = models.CharField(max_length=1)
    engagement = models.DecimalField(max_digits=10, decimal_places=2)
    score = models.DecimalField(max_digits=10, decimal_places=2)
    qualified = models.BooleanField(default=False)
    qualified_since = models.DateTimeField(null=True, blank=True)  # the last crossing of the bar
    below_bar = models.BooleanField(default=False)  # was qualified, fell below: flagged, never demoted
    breakdown = models.JSONField(default=dict)  # engine ScoreResult.to_dict()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "model"], name="contact_score_unique")]
        indexes = [
            models.Index(fields=["model", "score"]),
            models.Index(fields=["model", "grade"]),
            models.Index(fields=["model", "engagement"]),
            models.Index(fields=["model", "qualified"]),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.model_id}: {self.score} ({self.grade})"


class ScoreHistory(models.Model):
    """A point of a contact's score trend, written only when a value changed."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+")
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    fit = models.DecimalField(max_digits=10, decimal_places=2)
    engagement = models.DecimalField(max_digits=10, decimal_places=2)
    score = models.DecimalField(max_digits=10, decimal_places=2)
    grade = models.CharField(max_length=1)

    class Meta:
        ordering = ["contact", "model", "at", "id"]
        indexes = [models.Index(fields=["contact", "model", "at"])]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.model_id} @ {self.at:%Y-%m-%d %H:%M}: {self.score}"
