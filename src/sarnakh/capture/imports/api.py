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
from sarnakh.core.api_types import DbId
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
    on_duplicate: str
    mapping: dict[str, str]


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
    total_rows: int | None


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
    on_duplicate: Form[str] = "update",
    dry_run: Form[bool] = False,
):
    """Multipart form: `file` (the CSV) and optional fields: `mapping` (JSON object
    {"column header": "field"}, `""` ignores a column; overrides the suggestion per column),
    `encoding` (utf-8, utf-16, cp1256, …; default detected), `delimiter` (`,` `;` or `tab`;
    default detected), `source_type`, `channel`, `tag`, `on_duplicate` (update or skip),
    `dry_run` (count and preview without writing).

    The file is stored and the import runs in the background: poll `GET /imports/{id}`
    for progress and counts, download the per-row error report from `errors_url`."""
    if file is None:
        raise ValidationFailed(_("Some fields are not valid."), fields={"file": [_("Attach the CSV file as `file`.")]})
    options: dict[str, Any] = {
        "encoding": encoding, "delimiter": delimiter, "source_type": source_type, "channel": channel,
        "tag": tag, "on_duplicate": on_duplicate, "dry_run": dry_run,
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
    """Columns: row (as numbered in a spreadsheet, the header being row 1), column, value, message."""
    contact_import = _get(import_id)
    response = StreamingHttpResponse(selectors.import_errors_csv(contact_import.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}-errors.csv"'
    return response


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
