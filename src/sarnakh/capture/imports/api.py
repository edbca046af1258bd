"""/api/v1/imports (CSV list imports) and /api/v1/contacts/export.csv."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from sarnakh.capture.imports import selectors, services
from sarnakh.contacts.schemas import ContactFilterQuery, contact_filters_from
from sarnakh.contacts.selectors import ContactFilters
from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, Offset
from sarnakh.core.errors import NotFound, ValidationFailed

# Operation ids keep the module path they were published under (core.api.SarnakhAPI).
PUBLISHED_AS = "sarnakh.capture.api"
router = Router(tags=["imports"])
export_router = Router(tags=["contacts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


class ImportOptionsOut(Schema):
    encoding: str
    delimiter: str
    source_type: str
    channel: str
    tag: str
    list_id: int | None = Field(description="the static list every imported contact joins; null: none")
    on_duplicate: str
    mapping: dict[str, str]
    unknown_channel: str = Field(description="channel given to rows whose channel value Sarnakh does not know")
    unknown_stage: str = Field(description="stage given to rows whose stage value is unknown; empty: left unset")
    date_order: str = Field(description="auto, day_first or month_first: how dates with the year last are read")


class ImportProgressOut(Schema):
    rows_done: int
    bytes_done: int
    file_size: int
    percent: int


class ImportCountsOut(Schema):
    new: int
    updated: int
    skipped: int
    invalid: int
    warnings: int
    total_rows: int | None


class ImportDateOrderOut(Schema):
    order: str = Field(description="day_first, month_first or year_first")
    how: str = Field(description="detected (from a value such as `example`), chosen (the import's date_order) or default (the column could not tell: month first)")
    example: str


class ImportRowNoteOut(Schema):
    row: int
    level: str = Field(description="error (row not imported), warning (imported with a value replaced or left out, or the same person as an earlier row) or match (dry run: updates an existing contact)")
    column: str
    value: str
    message: str
    contact_id: int | None = Field(description="match: the existing contact the row updates")
    same_as_row: int | None = Field(description="the earlier row of the file with the same person")


class ImportOut(Schema):
    id: int
    file_name: str
    status: str = Field(description="draft, queued, running, interrupted (its process stopped: resume it), done, failed or cancelled")
    dry_run: bool
    created_at: dt.datetime
    created_by: str
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    cancel_requested: bool
    options: ImportOptionsOut
    date_orders: dict[str, ImportDateOrderOut] = Field(description="per date column: how its dates were read")
    headers: list[str]
    progress: ImportProgressOut
    counts: ImportCountsOut
    preview: list[dict[str, Any]]
    error_message: str
    errors_url: str


def _out(contact_import) -> dict:
    body = selectors.import_to_dict(contact_import)
    body["errors_url"] = f"/api/v1/imports/{contact_import.pk}/errors.csv"
    return body


def _get(import_id: int):
    contact_import = selectors.import_get(import_id)
    if contact_import is None:
        raise NotFound(_("Import not found."))
    return contact_import


@router.post("", auth=write_auth, response={202: ImportOut, **ERRORS}, summary="Start a CSV import of contacts")
def create_import(
    request,
    file: File[UploadedFile] = None,
    mapping: Form[str] = "",
    encoding: Form[str] = "",
    delimiter: Form[str] = "",
    source_type: Form[str] = "outbound",
    channel: Form[str] = "list_import",
    tag: Form[str] = "",
    list_id: Form[str] = "",
    on_duplicate: Form[str] = "update",
    dry_run: Form[bool] = False,
    unknown_channel: Form[str] = "other",
    unknown_stage: Form[str] = "",
    date_order: Form[str] = "auto",
):
    """Multipart form: `file` (the CSV) and optional fields: `mapping` (JSON object
    {"column header": "field"}, `""` ignores a column; overrides the suggestion per column),
    `encoding` (utf-8, utf-16, cp1256, …; default detected), `delimiter` (`,` `;` or `tab`;
    default detected), `source_type`, `channel`, `tag`, `list_id` (a static list every
    imported contact joins, created or updated), `on_duplicate` (update or skip),
    `dry_run` (count and preview without writing), `unknown_channel` (the channel for rows
    whose channel value Sarnakh does not know; default other), `unknown_stage` (the stage
    for unknown stage values; default empty: left unset), `date_order` (auto, day_first or
    month_first; auto detects each date column from its values, month first if it cannot
    tell; year-first and Jalali dates such as 1403/05/12 are always understood).

    Unknown choice values (channel, stage, lead status, source type, country, language,
    time zone) keep the row: a warning per row, the original value in a text property
    (`source_detail` for the channel, `original_<field>` for the rest).

    The file is stored and the import runs in the background: poll `GET /imports/{id}`
    for progress and counts, download the per-row error report from `errors_url`."""
    if file is None:
        raise ValidationFailed(_("Some fields are not valid."), fields={"file": [_("Attach the CSV file as `file`.")]})
    options: dict[str, Any] = {
        "encoding": encoding, "delimiter": delimiter, "source_type": source_type, "channel": channel,
        "tag": tag, "list_id": list_id, "on_duplicate": on_duplicate, "dry_run": dry_run,
        "unknown_channel": unknown_channel, "unknown_stage": unknown_stage, "date_order": date_order,
    }
    if mapping:
        try:
            options["mapping"] = json.loads(mapping)
        except ValueError:
            raise ValidationFailed(_("Some fields are not valid."), fields={"mapping": [_("Send the mapping as a JSON object.")]}) from None
    actor = Actor(source="import", user=request.api_key.created_by, label=f"API key: {request.api_key.name}")
    contact_import = services.import_create(upload=file, file_name=file.name or "import.csv", actor=actor, options=options)
    return Status(202, _out(contact_import))


@router.get("", response={200: list[ImportOut], **ERRORS}, summary="Recent imports")
def list_imports(request, limit: int = 50):
    return [_out(i) for i in selectors.import_list(limit=max(1, min(limit, 200)))]


@router.get("/{int:import_id}", response={200: ImportOut, **ERRORS}, summary="An import's status, progress and counts")
def get_import(request, import_id: DbId):
    return _out(_get(import_id))


@router.get("/{int:import_id}/errors.csv", response={200: None, **ERRORS}, summary="Per-row error report (CSV)")
def import_errors_csv(request, import_id: DbId):
    """Columns: row (as numbered in a spreadsheet, the header being row 1), column, value,
    message, level (error, warning or match), contact_id (match: the contact the row
    updates), same_as_row (the earlier row of the same person)."""
    contact_import = _get(import_id)
    response = StreamingHttpResponse(selectors.import_errors_csv(contact_import.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}-errors.csv"'
    return response


@router.get("/{int:import_id}/notes", response={200: list[ImportRowNoteOut], **ERRORS}, summary="An import's row errors, warnings and matches")
def import_notes(request, import_id: DbId, level: str = "", limit: int = 100, offset: Offset = 0):
    """Per-row notes in row order: `level=error`, `warning` or `match` (a dry run says
    which rows will update which existing contact, and which rows are the same person as
    an earlier row of the file). Paged with `limit` (at most 1000) and `offset`."""
    contact_import = _get(import_id)
    if level and level not in ("error", "warning", "match"):
        raise ValidationFailed(_("Some fields are not valid."), fields={"level": [_("Use one of: %(values)s.") % {"values": "error, warning, match"}]})
    notes = selectors.import_errors(contact_import.pk, level=level or None, limit=max(1, min(limit, 1000)), offset=max(0, offset))
    return [selectors.note_to_dict(n) for n in notes]


@router.post("/{int:import_id}/cancel", auth=write_auth, response={200: ImportOut, **ERRORS}, summary="Cancel an import")
def cancel_import(request, import_id: DbId):
    """A running import stops after its current batch; rows already imported stay."""
    actor = Actor.for_api_key(request.api_key)
    return _out(services.import_cancel(import_id=import_id, actor=actor))


@router.post("/{int:import_id}/resume", auth=write_auth, response={202: ImportOut, **ERRORS}, summary="Resume an interrupted import")
def resume_import(request, import_id: DbId):
    """An import shows `status: "interrupted"` when the process running it stopped (its
    heartbeat went silent). Resuming queues it again; it continues after the last
    committed batch, so no row is imported twice. 409 when it is not interrupted or its
    file is gone or changed."""
    actor = Actor.for_api_key(request.api_key)
    return Status(202, _out(services.import_resume(import_id=import_id, actor=actor)))


def contacts_csv_response(filters: ContactFilters) -> StreamingHttpResponse:
    response = StreamingHttpResponse(selectors.contacts_export_csv(filters), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response


@export_router.get("/export.csv", response={200: None, **ERRORS}, summary="Export contacts as CSV")
def export_contacts(request, filters: Query[ContactFilterQuery]):
    """Same filters as the contacts list. UTF-8 with BOM (Excel shows Persian correctly);
    cells starting with = + - @ tab or CR are prefixed with ' so spreadsheets never run them."""
    return contacts_csv_response(contact_filters_from(filters))
