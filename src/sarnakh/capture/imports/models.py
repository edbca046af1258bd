"""Contact imports and their per-row errors. Tables only: writes live in services.py.

Imported by capture/models.py, so the tables belong to the capture app."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sarnakh.core.lead_source import Channel, SourceType


class DateOrder(models.TextChoices):
    AUTO = "auto", _("Detect from the column (month first when it cannot tell)")
    DAY_FIRST = "day_first", _("Day first (31/12/2017)")
    MONTH_FIRST = "month_first", _("Month first (12/31/2017)")


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
    # A static list (segments) every imported contact joins; an id, not a foreign key (segments sits above capture).
    list_id = models.BigIntegerField(_("add to list"), null=True, blank=True)
    on_duplicate = models.CharField(_("when a contact exists"), max_length=6, choices=OnDuplicate.choices, default=OnDuplicate.UPDATE)
    dry_run = models.BooleanField(_("dry run"), default=False)
    # Values the importer does not know (a CRM's own channel or stage labels) keep the
    # row: the channel becomes `unknown_channel`, the stage `unknown_stage` ("" = left
    # unset: new contacts start at the default stage, existing ones keep theirs), and
    # the original value is kept in a custom property and reported as a warning.
    unknown_channel = models.CharField(_("channel for unknown channel values"), max_length=20, choices=Channel.choices, default=Channel.OTHER)
    unknown_stage = models.CharField(_("stage for unknown stage values"), max_length=40, blank=True, default="")
    date_order = models.CharField(_("order of day and month in dates"), max_length=12, choices=DateOrder.choices, default=DateOrder.AUTO)
    # {column header: {"order": day_first|month_first|year_first, "how": detected|chosen|default, "example": "31/12/2017"}}
    date_orders = models.JSONField(default=dict, blank=True)

    # results and progress (updated in the same transaction as each batch)
    rows_done = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    new_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    invalid_count = models.PositiveIntegerField(default=0)
    warning_count = models.PositiveIntegerField(default=0)
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
    """A note on one row of an import: an error (the row was not imported), a warning
    (imported, with a value changed or left out) or, in a dry run, a match (the row
    will update an existing contact, or is the same person as an earlier row)."""

    class Level(models.TextChoices):
        ERROR = "error", _("Error")
        WARNING = "warning", _("Warning")
        MATCH = "match", _("Updates")

    contact_import = models.ForeignKey(ContactImport, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField()
    column = models.CharField(max_length=255, blank=True, default="")
    value = models.TextField(blank=True, default="")
    message = models.TextField()
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.ERROR)
    # For matches: the existing contact the row updates, or the earlier row of the same person.
    contact_id = models.PositiveBigIntegerField(null=True, blank=True)
    same_as_row = models.PositiveIntegerField(null=True, blank=True)
    # Warnings and matches are worded when read (capture.imports.notes), in the reader's
    # language; `message` keeps the wording of the run as a fallback.
    code = models.CharField(max_length=40, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["row_number", "id"]
        indexes = [models.Index(fields=["contact_import", "row_number", "id"])]

    def __str__(self) -> str:
        return f"row {self.row_number} {self.column}: {self.message}"

    @property
    def text(self) -> str:
        from sarnakh.capture.imports.notes import note_text

        return note_text(self.code, self.params, self.message) if self.code else self.message
