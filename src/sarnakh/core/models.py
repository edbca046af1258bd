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
