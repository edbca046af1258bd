"""Writes for contact imports: create (store the file, detect its format, suggest a
mapping), configure, start, run, cancel, resume."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.capture.imports import selectors
from sarnakh.capture.imports.importer import CancelledError, ImportRun, define_mapped_properties
from sarnakh.capture.imports.mapping import IGNORE, suggest_mapping, validate_mapping
from sarnakh.capture.imports.models import ContactImport, DateOrder
from sarnakh.contacts.selectors import ObjectType, property_definitions, stage_list
from sarnakh.core import clock, csv_engine
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sarnakh.core.jobs import enqueue
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.lists import static_lists
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.workers import current_worker_id, may_take_over

logger = logging.getLogger("sarnakh.capture")

IDENTITY_TARGETS = {"email", "phone", "first_name", "last_name", "full_name"}
OPTION_NAMES = ("mapping", "encoding", "delimiter", "source_type", "channel", "tag", "list_id", "on_duplicate", "dry_run",
                "unknown_channel", "unknown_stage", "date_order")


def imports_dir() -> Path:
    path = Path(settings.SARNAKH_HOME) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store_upload(upload: Any, file_name: str) -> Path:
    """Copies an uploaded file (Django UploadedFile or binary file object) under
    SARNAKH_HOME/imports/ without reading it into memory."""
    suffix = Path(file_name).suffix.lower()[:10] or ".csv"
    target = imports_dir() / f"{uuid.uuid4().hex}{suffix if suffix.isascii() else '.csv'}"
    temporary = getattr(upload, "temporary_file_path", None)
    if callable(temporary):
        shutil.copyfile(temporary(), target)
    elif hasattr(upload, "chunks"):
        with open(target, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    else:
        with open(target, "wb") as out:
            shutil.copyfileobj(upload, out, 1024 * 1024)
    return target


def _choice(value: Any, choices, field: str, errors: dict) -> str:
    text = str(value or "").strip().lower().replace("-", "_")
    if text not in choices.values:
        errors[field] = [_("Use one of: %(values)s.") % {"values": ", ".join(choices.values)}]
    return text


def _list_id(value: Any, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        list_id = int(value)
    except (TypeError, ValueError):
        list_id = 0
    if list_id not in dict(static_lists()):
        errors["list_id"] = [_("No static list with the id %(id)s.") % {"id": value}]
        return None
    return list_id


def _clean_options(options: dict[str, Any], headers: list[str], suggested: dict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    out["source_type"] = _choice(options.get("source_type") or SourceType.OUTBOUND, SourceType, "source_type", errors)
    out["channel"] = _choice(options.get("channel") or Channel.LIST_IMPORT, Channel, "channel", errors)
    out["on_duplicate"] = _choice(options.get("on_duplicate") or ContactImport.OnDuplicate.UPDATE, ContactImport.OnDuplicate, "on_duplicate", errors)
    out["unknown_channel"] = _choice(options.get("unknown_channel") or Channel.OTHER, Channel, "unknown_channel", errors)
    out["date_order"] = _choice(options.get("date_order") or DateOrder.AUTO, DateOrder, "date_order", errors)
    unknown_stage = str(options.get("unknown_stage") or "").strip()
    stage_keys = [stage.key for stage in stage_list()]
    if unknown_stage and unknown_stage not in stage_keys:
        errors["unknown_stage"] = [_("Use one of: %(values)s, or leave it empty.") % {"values": ", ".join(stage_keys)}]
    out["unknown_stage"] = unknown_stage
    tag = clean_display_text(options.get("tag") or "")
    if len(tag) > 64:
        errors["tag"] = [_("Keep this under %(max)d characters.") % {"max": 64}]
    out["tag"] = tag
    out["list_id"] = _list_id(options.get("list_id"), errors)
    out["dry_run"] = bool(options.get("dry_run"))
    given = options.get("mapping")
    mapping = dict(suggested)
    if given is not None:
        mapping_errors = validate_mapping(given, headers)
        if mapping_errors:
            errors.update(mapping_errors)
        else:
            mapping.update({k: (v or IGNORE) for k, v in given.items()})
            errors.update(validate_mapping(mapping, headers))
    if not errors and not IDENTITY_TARGETS & set(mapping.values()):
        errors["mapping"] = [_("Map at least one column to email, phone or a name.")]
    out["mapping"] = mapping
    return out, errors


@transaction.atomic
def import_create(
    *,
    upload: Any,
    file_name: str,
    actor: Actor,
    options: dict[str, Any] | None = None,
    start: bool = True,
    store_copy: bool = True,
    background: bool = True,
) -> ContactImport:
    """Stores the file and records the import. With `start` it is queued at once (the
    background job runs it); without, it waits as a draft for its mapping (UI).

    Options: mapping, encoding, delimiter, source_type, channel, tag, list_id (a static list
    every imported contact joins), on_duplicate, dry_run,
    unknown_channel (the channel for channel values Sarnakh does not know; default other),
    unknown_stage (the stage for unknown stage values; default "": left unset),
    date_order (auto, day_first or month_first: how dates with the year last are read).
    `upload` is an uploaded file, a binary file object, or (with store_copy=False) a path
    that is read in place. `background=False` queues no job: the caller runs it (the CLI).
    """
    options = dict(options or {})
    file_name = clean_display_text(Path(file_name or "import.csv").name)[:255] or "import.csv"
    path = _store_upload(upload, file_name) if store_copy else Path(upload).resolve()
    try:
        contact_import = _record(path=path, file_name=file_name, actor=actor, options=options, start=start, background=background)
    except Exception:
        if store_copy:
            path.unlink(missing_ok=True)
        raise
    return contact_import


def _record(*, path: Path, file_name: str, actor: Actor, options: dict[str, Any], start: bool, background: bool) -> ContactImport:
    errors: dict[str, list[str]] = {}
    if options.get("encoding"):
        try:
            csv_engine.normalize_encoding_name(options["encoding"])
        except csv_engine.CsvFormatError as exc:
            raise ValidationFailed(_("Some fields are not valid."), fields={"encoding": [str(exc)]}) from None
    try:
        with open(path, "rb") as file:
            sample = csv_engine.read_sample(file, encoding=options.get("encoding") or "", delimiter=options.get("delimiter") or "")
    except csv_engine.CsvFormatError as exc:
        raise ValidationFailed(_("The file cannot be read as CSV."), fields={"file": [str(exc)]}) from None
    if not sample.headers:
        raise ValidationFailed(_("The file is empty."), fields={"file": [_("The first row must name the columns.")]})
    property_keys = {d.key for d in property_definitions(ObjectType.CONTACT)}
    suggested = suggest_mapping(sample.headers, property_keys=property_keys)
    cleaned, option_errors = _clean_options(options, sample.headers, suggested)
    errors.update(option_errors)
    if not start and options.get("mapping") is None:
        errors.pop("mapping", None)  # a draft gets its mapping in the next step
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    now = clock.now()
    contact_import = ContactImport.objects.create(
        file_name=file_name,
        file_path=str(path),
        file_size=path.stat().st_size,
        created_by=actor.user if getattr(actor.user, "pk", None) else None,
        created_label=actor.label[:200],
        created_at=now,
        status=ContactImport.Status.DRAFT,
        headers=sample.headers,
        encoding=sample.encoding,
        delimiter=sample.delimiter,
        **cleaned,
    )
    if start:
        _queue(contact_import, background=background)
    return contact_import


def _queue(contact_import: ContactImport, *, background: bool = True) -> None:
    from sarnakh.capture.imports.tasks import run_contact_import

    contact_import.status = ContactImport.Status.QUEUED
    # Run in the foreground (the CLI): this process's heartbeat vouches for it until it runs.
    contact_import.worker_id = "" if background else current_worker_id()
    contact_import.save(update_fields=["status", "worker_id"])
    if background:
        enqueue(run_contact_import, contact_import.pk)


def import_abandon(*, import_id: int, reason: str) -> None:
    """The process running an import in the foreground was stopped (Ctrl-C): the batches
    already committed stay, the import is marked cancelled."""
    ContactImport.objects.filter(pk=import_id, status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING]).update(
        status=ContactImport.Status.CANCELLED, error_message=reason[:2000], finished_at=clock.now()
    )


@transaction.atomic
def import_start(*, import_id: int, options: dict[str, Any], actor: Actor) -> ContactImport:
    """Sets the options of a draft (mapping step) and queues it. Starting a finished dry
    run makes a new import of the same file with the same options (not a dry run)."""
    source = ContactImport.objects.select_for_update().filter(pk=import_id).first()
    if source is None:
        raise NotFound(_("Import not found."))
    if source.status == ContactImport.Status.DRAFT:
        target = source
    elif source.dry_run and source.status == ContactImport.Status.DONE:
        target = ContactImport(
            file_name=source.file_name, file_path=source.file_path, file_size=source.file_size,
            created_by=actor.user if getattr(actor.user, "pk", None) else None, created_label=actor.label[:200],
            created_at=clock.now(), status=ContactImport.Status.DRAFT, headers=source.headers,
            encoding=source.encoding, delimiter=source.delimiter,
        )
    else:
        raise Conflict(_("This import has already started."))
    merged = {name: getattr(source, name) for name in OPTION_NAMES}
    merged.update({k: v for k, v in options.items() if k in OPTION_NAMES})
    if merged.get("encoding") != target.encoding or merged.get("delimiter") != target.delimiter:
        try:
            with open(target.file_path, "rb") as file:
                sample = csv_engine.read_sample(file, encoding=merged.get("encoding") or "", delimiter=merged.get("delimiter") or "")
        except csv_engine.CsvFormatError as exc:
            raise ValidationFailed(_("The file cannot be read as CSV."), fields={"file": [str(exc)]}) from None
        target.encoding, target.delimiter, target.headers = sample.encoding, sample.delimiter, sample.headers
    suggested = suggest_mapping(target.headers)
    cleaned, errors = _clean_options(merged, target.headers, suggested)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    for name, value in cleaned.items():
        setattr(target, name, value)
    target.save()
    _queue(target)
    return target


def import_preview_file(*, import_id: int, encoding: str = "", delimiter: str = "", rows: int = 5) -> csv_engine.FileSample:
    contact_import = ContactImport.objects.filter(pk=import_id).first()
    if contact_import is None:
        raise NotFound(_("Import not found."))
    try:
        with open(contact_import.file_path, "rb") as file:
            return csv_engine.read_sample(file, encoding=encoding or contact_import.encoding, delimiter=delimiter or contact_import.delimiter, rows=rows)
    except csv_engine.CsvFormatError as exc:
        raise ValidationFailed(_("The file cannot be read as CSV."), fields={"file": [str(exc)]}) from None


@transaction.atomic
def import_cancel(*, import_id: int, actor: Actor) -> ContactImport:
    """Asks a running import to stop after its current batch; a waiting one stops at once.
    Rows already imported stay."""
    contact_import = ContactImport.objects.select_for_update().filter(pk=import_id).first()
    if contact_import is None:
        raise NotFound(_("Import not found."))
    if contact_import.is_finished:
        raise Conflict(_("This import has already finished."))
    contact_import.cancel_requested = True
    fields = ["cancel_requested"]
    # Nobody runs an interrupted import to see the request: it stops here.
    if contact_import.status in (ContactImport.Status.DRAFT, ContactImport.Status.QUEUED) or _is_interrupted(contact_import):
        contact_import.status = ContactImport.Status.CANCELLED
        contact_import.finished_at = clock.now()
        fields += ["status", "finished_at"]
    contact_import.save(update_fields=fields)
    return contact_import


def _is_interrupted(contact_import: ContactImport) -> bool:
    return selectors.mark_interrupted([contact_import])[0].interrupted


def _check_source_file(contact_import: ContactImport) -> None:
    path = Path(contact_import.file_path)
    if not path.is_file():
        raise Conflict(
            _("The file %(name)s is no longer at %(path)s, so the import cannot resume. Import the file again: "
              "contacts already imported are matched, not duplicated.") % {"name": contact_import.file_name, "path": path}
        )
    if path.stat().st_size != contact_import.file_size:
        raise Conflict(
            _("The file %(name)s at %(path)s changed since the import started, so it cannot resume where it stopped. "
              "Import the file again: contacts already imported are matched, not duplicated.") % {"name": contact_import.file_name, "path": path}
        )


@transaction.atomic
def import_resume(*, import_id: int, actor: Actor, background: bool = True) -> ContactImport:
    """An interrupted import (the process running it died) continues after its last
    committed batch: queued for a worker, or (background=False, the CLI) for the caller to
    run with `import_run`. The file must still be where the import read it, unchanged."""
    contact_import = ContactImport.objects.select_for_update().filter(pk=import_id).first()
    if contact_import is None:
        raise NotFound(_("Import not found."))
    if not _is_interrupted(contact_import):
        raise Conflict(_("Only an interrupted import can be resumed; this one is %(status)s.") % {"status": contact_import.get_status_display().lower()})
    _check_source_file(contact_import)
    logger.info("import %s resumed by %s after %s rows", import_id, actor.label, contact_import.rows_done)
    _queue(contact_import, background=background)
    return selectors.import_get(import_id)


def _claim(import_id: int) -> ContactImport | None:
    with transaction.atomic():
        contact_import = ContactImport.objects.select_for_update().filter(pk=import_id).first()
        if contact_import is None or contact_import.status not in (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING):
            return None
        if not may_take_over(contact_import.worker_id):
            return None  # a live worker runs it (this is a second job for it, or a resume raced it)
        if contact_import.status == ContactImport.Status.RUNNING and contact_import.dry_run:
            contact_import.rows_done = contact_import.bytes_done = 0  # a dry run restarts from the top
        contact_import.status = ContactImport.Status.RUNNING
        contact_import.started_at = contact_import.started_at or clock.now()
        contact_import.worker_id = current_worker_id()
        contact_import.save()
        return contact_import


def import_actor(contact_import: ContactImport) -> Actor:
    return Actor(source="import", user=contact_import.created_by, label=contact_import.created_label or _("Import"))


def import_run(*, import_id: int, engine: str = "batch", batch_size: int | None = None, on_batch=None) -> ContactImport | None:
    """Runs a queued import to the end (or resumes a running one after a crash).
    Idempotent: a finished, failed or cancelled import is left alone and None returned."""
    contact_import = _claim(import_id)
    if contact_import is None:
        return None
    kwargs = {"batch_size": batch_size} if batch_size else {}
    runner = ImportRun(contact_import, actor=import_actor(contact_import), engine=engine, on_batch=on_batch, **kwargs)
    status, message = ContactImport.Status.DONE, ""
    try:
        if not contact_import.dry_run:
            define_mapped_properties(contact_import)  # a dry run defines them in each rolled-back batch
        runner.run()
    except CancelledError:
        status = ContactImport.Status.CANCELLED
    except (csv_engine.CsvFormatError, DomainError, OSError) as exc:
        status, message = ContactImport.Status.FAILED, str(exc)
    except Exception as exc:
        logger.exception("import %s failed", import_id)
        status, message = ContactImport.Status.FAILED, _("Unexpected error: %(error)s") % {"error": exc}
    totals = runner.totals
    with transaction.atomic():
        if contact_import.dry_run:
            runner.save_dry_run_errors()
        fields = totals.as_fields()
        ContactImport.objects.filter(pk=import_id).update(
            **fields, preview=totals.preview, status=status, error_message=message[:2000], finished_at=clock.now(),
            total_rows=totals.rows_done if status == ContactImport.Status.DONE else None,
        )
    contact_import.refresh_from_db()
    return contact_import
