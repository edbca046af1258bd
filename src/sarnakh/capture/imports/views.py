"""Staff pages for list imports (upload, mapping, dry-run preview, live progress, error
report, cancel, resume) and the contacts CSV export."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.capture.imports import selectors, services
from sarnakh.capture.imports.api import contacts_csv_response
from sarnakh.capture.imports.mapping import IGNORE, PROPERTY_PREFIX, TARGETS, property_key_for
from sarnakh.capture.imports.models import ContactImport, DateOrder, ImportRowError
from sarnakh.contacts.selectors import ContactFilters, ObjectType, property_definitions, stage_list
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.lists import static_lists
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require

ERRORS_SHOWN = 50
DELIMITERS = [("", None), (",", ","), (";", ";"), ("tab", None)]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1256", "cp1252"]


def _actor(request) -> Actor:
    return Actor(source="import", user=request.user, label=request.user.get_username())


def _get(import_id: int) -> ContactImport:
    contact_import = selectors.import_get(import_id)
    if contact_import is None:
        raise Http404
    return contact_import


def _option_context() -> dict:
    return {
        "source_types": SourceType.choices,
        "channels": Channel.choices,
        "on_duplicate_choices": ContactImport.OnDuplicate.choices,
        "encodings": ENCODINGS,
        "delimiter_choices": [(",", _("Comma")), (";", _("Semicolon")), ("tab", _("Tab"))],
        "stages": [(stage.key, str(stage)) for stage in stage_list()],
        "date_order_choices": DateOrder.choices,
        "static_lists": [(str(pk), name) for pk, name in static_lists()],
    }


@require("imports.run")
def import_list(request):
    return render(request, "capture/list.html", {"imports": selectors.import_list(limit=50), **_option_context()})


@require("imports.run")
@require_POST
def import_upload(request):
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a CSV file to upload."))
        return redirect("capture:list")
    options = {"encoding": request.POST.get("encoding", ""), "delimiter": request.POST.get("delimiter", "")}
    try:
        contact_import = services.import_create(upload=upload, file_name=upload.name, actor=_actor(request), options=options, start=False)
    except DomainError as exc:
        for message in error_messages(exc):
            messages.error(request, message)
        return redirect("capture:list")
    return redirect("capture:mapping", import_id=contact_import.pk)


def _target_choices(headers: list[str]) -> list[tuple[str, str]]:
    choices = [(IGNORE, _("— ignore this column —"))]
    choices += [(key, str(label)) for key, label in TARGETS.items()]
    seen = set()
    for definition in property_definitions(ObjectType.CONTACT):
        seen.add(definition.key)
        choices.append((PROPERTY_PREFIX + definition.key, _("Custom property: %(label)s") % {"label": definition.label}))
    for header in headers:
        key = property_key_for(header)
        if key and key not in seen:
            seen.add(key)
            choices.append((PROPERTY_PREFIX + key, _("New custom property: %(key)s") % {"key": key}))
    return choices


@require("imports.run")
def import_mapping(request, import_id: int):
    contact_import = _get(import_id)
    if contact_import.status != ContactImport.Status.DRAFT:
        return redirect("capture:detail", import_id=contact_import.pk)
    errors: list[str] = []
    values = {
        "source_type": contact_import.source_type, "channel": contact_import.channel, "tag": contact_import.tag,
        "list_id": str(contact_import.list_id or ""),
        "on_duplicate": contact_import.on_duplicate, "encoding": contact_import.encoding,
        "delimiter": "tab" if contact_import.delimiter == "\t" else contact_import.delimiter,
        "unknown_channel": contact_import.unknown_channel, "unknown_stage": contact_import.unknown_stage,
        "date_order": contact_import.date_order,
    }
    mapping = dict(contact_import.mapping)
    if request.method == "POST":
        values.update({name: request.POST.get(name, values[name]) for name in values})
        mapping = {header: request.POST.get(f"map_{index}", "") for index, header in enumerate(contact_import.headers)}
        options = {**values, "mapping": mapping, "dry_run": request.POST.get("action") == "preview"}
        try:
            started = services.import_start(import_id=contact_import.pk, options=options, actor=_actor(request))
        except DomainError as exc:
            errors = error_messages(exc)
        else:
            return redirect("capture:detail", import_id=started.pk)
    try:
        sample = services.import_preview_file(import_id=contact_import.pk, rows=3)
        sample_rows = sample.rows
    except DomainError as exc:
        errors = errors or error_messages(exc)
        sample_rows = []
    columns = [
        {"index": index, "header": header, "target": mapping.get(header, IGNORE),
         "samples": [row[index] for row in sample_rows if index < len(row) and row[index].strip()][:3]}
        for index, header in enumerate(contact_import.headers)
    ]
    context = {
        "imp": contact_import, "columns": columns, "targets": _target_choices(contact_import.headers), "values": values,
        "errors": errors, **_option_context(),
    }
    return render(request, "capture/mapping.html", context, status=422 if errors and request.method == "POST" else 200)


def _detail_context(contact_import: ContactImport) -> dict:
    counts = selectors.import_note_counts(contact_import.pk) if contact_import.is_finished or contact_import.interrupted else None
    if counts is None:  # while it runs, only the errors table refreshes every second
        counts = {ImportRowError.Level.ERROR: selectors.import_error_count(contact_import.pk)}
    shown = {
        level: selectors.import_errors(contact_import.pk, level=level, limit=ERRORS_SHOWN) if counts.get(level) else []
        for level in ImportRowError.Level.values
    }
    return {
        "imp": contact_import,
        "row_errors": shown[ImportRowError.Level.ERROR],
        "row_warnings": shown[ImportRowError.Level.WARNING],
        "row_matches": shown[ImportRowError.Level.MATCH],
        "error_count": counts.get(ImportRowError.Level.ERROR, 0),
        "warning_count": counts.get(ImportRowError.Level.WARNING, 0),
        "match_count": counts.get(ImportRowError.Level.MATCH, 0),
        "errors_shown": ERRORS_SHOWN,
        "stage_names": {stage.key: str(stage) for stage in stage_list()} if contact_import.dry_run and contact_import.preview else {},
    }


@require("imports.run")
def import_detail(request, import_id: int):
    return render(request, "capture/detail.html", _detail_context(_get(import_id)))


@require("imports.run")
def import_progress(request, import_id: int):
    return render(request, "capture/_progress.html", _detail_context(_get(import_id)))


@require("imports.run")
@require_POST
def import_cancel(request, import_id: int):
    try:
        services.import_cancel(import_id=import_id, actor=_actor(request))
        messages.success(request, _("Cancelling: the import stops after the rows it is writing now."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("capture:detail", import_id=import_id)


@require("imports.run")
@require_POST
def import_resume(request, import_id: int):
    try:
        services.import_resume(import_id=import_id, actor=_actor(request))
        messages.success(request, _("Resumed: the import continues after the last rows it saved."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("capture:detail", import_id=import_id)


@require("imports.run")
@require_POST
def import_start_for_real(request, import_id: int):
    """After a dry run: import the same file with the same settings."""
    try:
        started = services.import_start(import_id=import_id, options={"dry_run": False}, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("capture:detail", import_id=import_id)
    return redirect("capture:detail", import_id=started.pk)


@require("imports.run")
def import_errors_csv(request, import_id: int):
    contact_import = _get(import_id)
    response = StreamingHttpResponse(selectors.import_errors_csv(contact_import.pk), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{contact_import.pk}-errors.csv"'
    return response


@require("contacts.export")
def export_contacts(request):
    """The contacts list's filters, as CSV (UTF-8 with BOM)."""
    params = request.GET
    owner, company = params.get("owner", ""), params.get("company", "")
    filters = ContactFilters(
        q=params.get("q", "").strip()[:200], stage=params.get("stage", ""), source_type=params.get("source_type", ""),
        channel=params.get("channel", "").replace("-", "_"), tag=params.get("tag", ""),
        owner=int(owner) if owner.isdigit() else None, company=int(company) if company.isdigit() else None,
    )
    return contacts_csv_response(filters)
