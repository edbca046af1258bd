"""Scoring models and their versions, each contact's current scores, and the score trend.

Tables only: writes live in services.py, reads in selectors.py, the rules in engine/.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

# The shipped model's version note, stored in English and translated when shown.
SHIPPED_NOTE = gettext_noop("Shipped default model")


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

    @property
    def display_name(self) -> str:
        """The shipped model's name in the reader's language (it is in the catalogue) unless
        an admin renamed it; a typed name passes through as typed."""
        return gettext(self.name)


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

    @property
    def display_note(self) -> str:
        return gettext(self.note) if self.note == SHIPPED_NOTE else self.note


class ContactScore(models.Model):
    """A contact's latest score under one model, with the breakdown that explains it."""

    # No single-column FK indexes: (contact, model) leads with contact, and every index is
    # rewritten for each of a bulk re-score's million updates.
    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="scores", db_index=False)
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="scores", db_index=False)
    version = models.ForeignKey(ScoringModelVersion, on_delete=models.CASCADE, related_name="+", db_index=False)
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
            # Only the qualified few are indexed: an index on a value every re-score changes
            # (score) would rule out PostgreSQL's in-page (HOT) updates for a million rows.
            models.Index(fields=["model"], condition=Q(qualified=True), name="contact_score_qualified_idx"),
            # Filters on the fit grade ("grade B or better": segments, audiences) read this
            # index alone instead of scanning every wide score row. A re-score changes the grade
            # only when fit crosses a band, so most updates stay in place (HOT).
            models.Index(fields=["model", "grade", "contact"], name="contact_score_grade_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.model_id}: {self.score} ({self.grade})"


class ScoreHistory(models.Model):
    """A point of a contact's score trend, written only when a value changed."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="+", db_index=False)
    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="+", db_index=False)
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


class RescoreRun(models.Model):
    """One bulk re-score of every live contact under a model version, with its progress."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, _("queued")), (RUNNING, _("running")), (DONE, _("done")), (FAILED, _("failed"))]

    model = models.ForeignKey(ScoringModel, on_delete=models.CASCADE, related_name="rescores")
    version = models.ForeignKey(ScoringModelVersion, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=QUEUED)
    # "matching": rules against all events (no contact written yet); "writing": in batches
    phase = models.CharField(_("phase"), max_length=10, blank=True, default="")
    total = models.PositiveIntegerField(_("contacts"), default=0)
    done = models.PositiveIntegerField(_("scored"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    crossed = models.PositiveIntegerField(_("crossed the bar"), default=0)
    error = models.TextField(_("error"), blank=True, default="")
    worker_id = models.CharField(max_length=64, blank=True, default="")  # the core.WorkerProcess running it
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"rescore {self.model_id}@{self.version_id}: {self.status} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        if self.status == self.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class PredictiveModel(models.Model):
    """One training run of the predictive model on the team's own history: its report
    (the evaluation's JSON), the fitted estimator on disk, and its status."""

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUSES = [(QUEUED, _("queued")), (RUNNING, _("running")), (DONE, _("done")), (FAILED, _("failed"))]

    target_stage = models.CharField(_("target stage"), max_length=40, default="customer")
    status = models.CharField(_("status"), max_length=10, choices=STATUSES, default=QUEUED)
    trigger = models.CharField(_("started by"), max_length=10, default="user")  # user, api, cli, schedule
    rows = models.PositiveIntegerField(_("rows"), default=0)
    positives = models.PositiveIntegerField(_("positives"), default=0)
    scored = models.PositiveIntegerField(_("contacts scored"), default=0)
    metrics = models.JSONField(_("report"), default=dict, blank=True)
    features = models.JSONField(_("features"), default=list, blank=True)
    estimator_path = models.CharField(_("estimator file"), max_length=500, blank=True, default="")
    error = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    trained_at = models.DateTimeField(_("trained"), null=True, blank=True)
    worker_id = models.CharField(max_length=64, blank=True, default="")  # the core.WorkerProcess running it

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-trained_at"])]

    def __str__(self) -> str:
        return f"predictive {self.pk} ({self.target_stage}): {self.status}"


class ContactPrediction(models.Model):
    """A contact's probability of reaching the model's target stage, with the features
    that pushed it most (see predictive/explain.py for how contributions are measured)."""

    contact = models.ForeignKey("contacts.Contact", on_delete=models.CASCADE, related_name="predictions")
    model = models.ForeignKey(PredictiveModel, on_delete=models.CASCADE, related_name="predictions")
    probability = models.FloatField()
    top_features = models.JSONField(default=list)  # [{"feature", "value", "contribution"}]
    reached = models.BooleanField(default=False)  # already at the target stage: as_of is that moment
    as_of = models.DateTimeField()  # the moment the features describe
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "model"], name="contact_prediction_unique")]
        indexes = [models.Index(fields=["model", "reached", "-probability"])]

    def __str__(self) -> str:
        return f"{self.contact_id}/{self.model_id}: {self.probability:.3f}"


class PredictiveSettings(models.Model):
    """One row: whether and how often the predictive model retrains by itself."""

    retrain_every_days = models.PositiveIntegerField(_("retrain every (days)"), default=0)  # 0 = off
    target_stage = models.CharField(_("target stage"), max_length=40, default="customer")
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"retrain every {self.retrain_every_days} days" if self.retrain_every_days else "retrain off"
