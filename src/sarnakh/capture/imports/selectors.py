"""Reads for imports and exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count

from sarnakh.capture.imports.models import ContactImport, ImportRowError
from sarnakh.contacts.selectors import (
    ContactFilters,
    ObjectType,
    contact_queryset,
    property_definitions,
    with_relations,
)
from sarnakh.core.csv_export import csv_chunks
from sarnakh.core.workers import dead_worker_ids

EXPORT_CHUNK = 2000
# level: error (row not imported), warning (imported with a value replaced or left out, or
# the same person as row same_as_row), match (dry run: will update contact contact_id).
ERROR_HEADER = ["row", "column", "value", "message", "level", "contact_id", "same_as_row"]
CONTACT_COLUMNS = [
    "id", "first_name", "last_name", "email", "phone", "company", "job_title", "country", "city", "language", "time_zone",
    "stage", "lead_status", "owner", "source_type", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term",
    "utm_content", "referrer", "landing_page", "consent", "consent_at", "consent_method", "tags", "created_at", "updated_at",
]


def mark_interrupted(imports: list[ContactImport]) -> list[ContactImport]:
    """Sets `interrupted` on imports left running (or queued by a command-line import) by
    a worker whose heartbeat stopped: they can be resumed."""
    waiting = [i for i in imports if i.worker_id and i.status in (ContactImport.Status.QUEUED, ContactImport.Status.RUNNING)]
    dead = dead_worker_ids({i.worker_id for i in waiting})
    for contact_import in waiting:
        contact_import.interrupted = contact_import.worker_id in dead
    return imports


def import_get(import_id: int) -> ContactImport | None:
    contact_import = ContactImport.objects.select_related("created_by").filter(pk=import_id).first()
    return mark_interrupted([contact_import])[0] if contact_import is not None else None


def import_list(*, limit: int = 50) -> list[ContactImport]:
    return mark_interrupted(list(ContactImport.objects.select_related("created_by").order_by("-created_at", "-id")[:limit]))


def imports_interrupted(*, limit: int = 50) -> list[ContactImport]:
    unfinished = ContactImport.objects.filter(status__in=[ContactImport.Status.QUEUED, ContactImport.Status.RUNNING]).exclude(worker_id="")
    return [i for i in mark_interrupted(list(unfinished.order_by("-created_at", "-id")[:limit])) if i.interrupted]


def import_error_count(import_id: int, *, level: str | None = ImportRowError.Level.ERROR) -> int:
    """Notes of one level (errors by default; None: all of them)."""
    qs = ImportRowError.objects.filter(contact_import_id=import_id)
    return (qs.filter(level=level) if level else qs).count()


def import_note_counts(import_id: int) -> dict[str, int]:
    counts = dict(ImportRowError.objects.filter(contact_import_id=import_id).values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return {level: counts.get(level, 0) for level in ImportRowError.Level.values}


def import_errors(import_id: int, *, limit: int | None = None, level: str | None = ImportRowError.Level.ERROR, offset: int = 0) -> list[ImportRowError]:
    qs = ImportRowError.objects.filter(contact_import_id=import_id)
    if level:
        qs = qs.filter(level=level)
    qs = qs.order_by("row_number", "id")[offset:]
    return list(qs[:limit] if limit else qs)


def note_to_dict(note: ImportRowError) -> dict[str, Any]:
    return {"row": note.row_number, "level": note.level, "column": note.column, "value": note.value, "message": note.text,
            "contact_id": note.contact_id, "same_as_row": note.same_as_row}


def import_errors_csv(import_id: int) -> Iterator[bytes]:
    rows = (
        (e.row_number, e.column, e.value, e.text, e.level, e.contact_id, e.same_as_row)
        for e in ImportRowError.objects.filter(contact_import_id=import_id).order_by("row_number", "id").iterator(chunk_size=EXPORT_CHUNK)
    )
    return csv_chunks(ERROR_HEADER, rows)


def import_to_dict(contact_import: ContactImport) -> dict[str, Any]:
    return {
        "id": contact_import.pk,
        "file_name": contact_import.file_name,
        "status": contact_import.shown_status,
        "dry_run": contact_import.dry_run,
        "created_at": contact_import.created_at,
        "created_by": contact_import.created_label,
        "started_at": contact_import.started_at,
        "finished_at": contact_import.finished_at,
        "cancel_requested": contact_import.cancel_requested,
        "options": {
            "encoding": contact_import.encoding,
            "delimiter": contact_import.delimiter,
            "source_type": contact_import.source_type,
            "channel": contact_import.channel,
            "tag": contact_import.tag,
            "list_id": contact_import.list_id,
            "on_duplicate": contact_import.on_duplicate,
            "mapping": contact_import.mapping,
            "unknown_channel": contact_import.unknown_channel,
            "unknown_stage": contact_import.unknown_stage,
            "date_order": contact_import.date_order,
        },
        "date_orders": contact_import.date_orders or {},
        "headers": contact_import.headers,
        "progress": {
            "rows_done": contact_import.rows_done,
            "bytes_done": contact_import.bytes_done,
            "file_size": contact_import.file_size,
            "percent": contact_import.percent,
        },
        "counts": {
            "new": contact_import.new_count,
            "updated": contact_import.updated_count,
            "skipped": contact_import.skipped_count,
            "invalid": contact_import.invalid_count,
            "warnings": contact_import.warning_count,
            "total_rows": contact_import.total_rows,
        },
        "preview": contact_import.preview,
        "error_message": contact_import.error_message,
    }


def _contact_cells(contact, property_keys: list[str]) -> list[Any]:
    owner = contact.owner.get_username() if contact.owner_id else ""
    values = {
        "company": contact.company.name if contact.company_id else "",
        "stage": contact.stage_id,
        "owner": owner,
        "tags": sorted(t.name for t in contact.tags.all()),
    }
    cells = [values[name] if name in values else getattr(contact, name) for name in CONTACT_COLUMNS]
    properties = contact.properties or {}
    cells.extend(properties.get(key) for key in property_keys)
    return cells


def contacts_export_csv(filters: ContactFilters) -> Iterator[bytes]:
    """The filtered contacts as CSV (UTF-8 with BOM), streamed in chunks: flat memory."""
    property_keys = [d.key for d in property_definitions(ObjectType.CONTACT)]
    header = CONTACT_COLUMNS + [f"properties.{key}" for key in property_keys]
    qs = with_relations(contact_queryset(filters)).order_by("id")
    rows = (_contact_cells(c, property_keys) for c in qs.iterator(chunk_size=EXPORT_CHUNK))
    return csv_chunks(header, rows)
