"""Contact imports and their per-row errors. Tables only: writes live in services.py.

Imported by capture/models.py, so the tables belong to the capture app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.core.lead_source import Channel, SourceType


class ContactImport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    class OnDuplicate(models.TextChoices):
        UPDATE = "update", _("Update the existing contact")
        SKIP = "skip", _("Skip the row, leave the contact as it is")

    file_name = models.CharField(_("file name"), max_length=255)
    file_path = models.CharField(max_length=1000)
    file_size = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_label = models.CharField(_("started by"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(_("created"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    cancel_requested = models.BooleanField(default=False)
    # The registered worker (core.WorkerProcess) running it: when that one's heartbeat
    # stops, a RUNNING import shows as interrupted and may be resumed.
    worker_id = models.CharField(max_length=64, blank=True, default="")

    # options
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    encoding = models.CharField(_("encoding"), max_length=40)
    delimiter = models.CharField(_("delimiter"), max_length=1)
    source_type = models.CharField(_("source type"), max_length=10, choices=SourceType.choices, default=SourceType.OUTBOUND)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.LIST_IMPORT)
    tag = models.CharField(_("tag"), max_length=64, blank=True, default="")
    on_duplicate = models.CharField(_("when a contact exists"), max_length=6, choices=OnDuplicate.choices, default=OnDuplicate.UPDATE)
    dry_run = models.BooleanField(_("dry run"), default=False)

    # results and progress (updated in the same transaction as each batch)
    rows_done = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    preview = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True, default="")

    # Set by the selectors (capture.selectors.mark_interrupted): RUNNING, or QUEUED by a
    # command-line import, while the worker recorded on it is dead.
    interrupted = False

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def shown_status(self) -> str:
        return "interrupted" if self.interrupted else self.status

    @property
    def status_label(self) -> str:
        return _("Interrupted") if self.interrupted else self.get_status_display()

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.file_size:
            return 0
        return min(99, int(self.bytes_done * 100 / self.file_size))


class ImportRowError(models.Model):
    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True, default="")
    value = models.TextField(blank=True, default="")
    message = models.TextField()

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["contact_import", "row_number", "id"])]

    def __str__(self) -> str:
        return f"row {self.row_number} {self.column}: {self.message}"
