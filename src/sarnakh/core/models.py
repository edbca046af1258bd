from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    class Scope(models.TextChoices):
        READ = "read", _("Read")
        WRITE = "write", _("Write")

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WorkerProcess(models.Model):
    """A process that runs background work, with its heartbeat. The id is the one it claims
    jobs under (django-tasks records it on each job), so a job's worker is known."""

    class Kind(models.TextChoices):
        WORKER = "worker", _("Worker process")
        EMBEDDED = "embedded", _("Worker in the web server")
        COMMAND = "command", _("Command-line run")  # an import or a training run in the foreground

    id = models.CharField(primary_key=True, max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"))
    last_seen = models.DateTimeField(_("last heartbeat"))
    stopped_at = models.DateTimeField(_("stopped"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id[:8]} on {self.hostname} (pid {self.pid})"


class EventRecord(models.Model):
    """The event log: each domain event once, as published (core.events)."""

    name = models.CharField(max_length=80)
    batch = models.CharField(max_length=32, db_index=True)
    # Not a foreign key: the log outlives the contact it names (a deleted contact's events stay).
    contact_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    actor = models.CharField(max_length=200, blank=True, default="")
    occurred_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["name", "id"], name="core_event_name_id"),
            models.Index(fields=["contact_id", "id"], name="core_event_contact_id"),
            models.Index(fields=["occurred_at"], name="core_event_occurred"),
        ]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"


class EventDelivery(models.Model):
    """One subscriber's delivery of one batch (the events of one transaction)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RETRYING = "retrying", _("Retrying")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    batch = models.CharField(max_length=32)
    subscriber = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "subscriber"], name="core_delivery_once")]
        indexes = [models.Index(fields=["status", "created_at"], name="core_delivery_status")]

    def __str__(self) -> str:
        return f"{self.subscriber} ← {self.batch}"
