"""Retargeting audiences' pages: every audience, one segment's audiences (with the form to
add one), an audience (edit, export now, download, fetch URL, history), the download of
the latest file, and the public fetch URL ad platforms read.

Plain POST forms named by `action`; a successful write answers with a redirect and a
message, a rejected one re-renders the form (422) with the errors and the typed values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sarnakh.core.errors import DomainError
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.segments import selectors as segment_selectors
from sarnakh.segments.audiences import formats, selectors, services
from sarnakh.segments.audiences.models import Audience, AudienceExport

IDENTIFIER_LABELS = {
    formats.EMAIL: gettext_lazy("Email"),
    formats.PHONE: gettext_lazy("Phone"),
    formats.NAME: gettext_lazy("First and last name"),
    formats.LOCATION: gettext_lazy("Country and city"),
}
REASON_LABELS = {
    formats.GONE: gettext_lazy("No longer a contact"),
    formats.UNSUBSCRIBED: gettext_lazy("Unsubscribed"),
    formats.NO_CONSENT: gettext_lazy("No consent"),
    formats.NO_IDENTIFIER: gettext_lazy("No email and no phone"),
    formats.INVALID_EMAIL: gettext_lazy("Invalid email"),
    formats.INVALID_PHONE: gettext_lazy("Invalid phone"),
}
TRIGGER_LABELS = {
    "manual": gettext_lazy("By hand"),
    "schedule": gettext_lazy("Schedule"),
    "api": gettext_lazy("API"),
    "cli": gettext_lazy("Command line"),
}


def _segment_or_404(segment_id: int):
    segment = segment_selectors.segment_get(segment_id)
    if segment is None:
        raise Http404
    return segment


def _audience_or_404(audience_id: int) -> Audience:
    audience = selectors.audience_get(audience_id)
    if audience is None:
        raise Http404
    return audience


def _values_from(audience: Audience | None) -> dict[str, Any]:
    if audience is None:
        return {"name": "", "platform": Audience.Platform.GOOGLE, "identifiers": [formats.EMAIL, formats.PHONE],
                "schedule": Audience.Schedule.MANUAL}
    return {"name": audience.name, "platform": audience.platform, "identifiers": list(audience.identifiers),
            "schedule": audience.schedule}


def _values_from_post(post) -> dict[str, Any]:
    return {"name": post.get("name", ""), "platform": post.get("platform", ""), "identifiers": post.getlist("identifiers"),
            "schedule": post.get("schedule", "")}


def _form_context(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "values": values, "errors": errors, "platforms": Audience.Platform.choices, "schedules": Audience.Schedule.choices,
        "identifier_choices": [{"key": key, "label": IDENTIFIER_LABELS[key], "checked": key in values["identifiers"]}
                               for key in formats.IDENTIFIERS],
    }


def _excluded_rows(export: AudienceExport | None) -> list[dict[str, Any]]:
    if export is None:
        return []
    return [{"reason": reason, "label": REASON_LABELS[reason], "count": export.excluded[reason]}
            for reason in formats.REASONS if export.excluded.get(reason)]


def _summary(audience: Audience) -> dict[str, Any]:
    latest = selectors.latest_export(audience.pk)
    last = selectors.last_attempt(audience.pk)
    return {"audience": audience, "latest": latest, "last": last, "excluded": _excluded_rows(latest),
            "excluded_total": sum(latest.excluded.values()) if latest else 0}


@require("audiences.manage")
def audience_list(request):
    rows = [_summary(a) for a in selectors.audience_list()]
    return render(request, "segments/audiences/list.html", {"rows": rows})


@require("audiences.manage")
def segment_audiences(request, segment_id: int):
    segment = _segment_or_404(segment_id)
    values, errors, status = _values_from(None), {}, 200
    if request.method == "POST":
        values = _values_from_post(request.POST)
        try:
            audience = services.audience_create(segment_id=segment.pk, **values)
        except DomainError as exc:
            errors, status = exc.fields or {"name": [exc.message]}, 422
        else:
            messages.success(request, _("Audience added. Export it now, or give its fetch URL to the ad platform."))
            return redirect("audiences:detail", audience_id=audience.pk)
    context = {"segment": segment, "rows": [_summary(a) for a in selectors.audiences_of_segment(segment.pk)],
               **_form_context(values, errors)}
    return render(request, "segments/audiences/segment.html", context, status=status)


def _detail_page(request, audience: Audience, *, values=None, errors=None, status=200):
    context = {
        **_summary(audience), "segment": audience.segment, "feed_url": selectors.feed_url(audience),
        "exports": selectors.exports_of(audience.pk), "reason_labels": REASON_LABELS, "trigger_labels": TRIGGER_LABELS,
        "identifier_labels": IDENTIFIER_LABELS, "keep_files": services.KEEP_FILES,
        **_form_context(values or _values_from(audience), errors or {}),
    }
    return render(request, "segments/audiences/detail.html", context, status=status)


def _run(request, action, success: str) -> None:
    try:
        action()
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return
    messages.success(request, success)


@require("audiences.manage")
def audience_detail(request, audience_id: int):
    audience = _audience_or_404(audience_id)
    if request.method != "POST":
        return _detail_page(request, audience)
    action = request.POST.get("action", "save")
    if action == "save":
        values = _values_from_post(request.POST)
        try:
            services.audience_update(audience_id=audience.pk, **values)
        except DomainError as exc:
            return _detail_page(request, audience, values=values, errors=exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Audience saved. The next export uses it."))
    elif action == "export":
        _run(request, lambda: services.export_queue(audience_id=audience.pk, trigger="manual"),
             _("Export queued. It shows below when it is done."))
    elif action == "regenerate":
        _run(request, lambda: services.audience_regenerate_token(audience_id=audience.pk),
             _("New fetch URL made. The old one no longer works: give the new one to the ad platform."))
    elif action == "revoke":
        _run(request, lambda: services.audience_revoke_token(audience_id=audience.pk),
             _("Fetch URL switched off. Its address now answers “not found”."))
    elif action == "delete":
        segment_id = audience.segment_id
        services.audience_delete(audience_id=audience.pk)
        messages.success(request, _("Audience deleted with its files."))
        return redirect("audiences:segment", segment_id=segment_id)
    return redirect("audiences:detail", audience_id=audience.pk)


def _file_response(export: AudienceExport, audience: Audience) -> FileResponse:
    path = selectors.export_path(export)
    if path is None:
        raise Http404
    name = f"audience-{audience.pk}-{audience.platform}.csv"
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=name, content_type="text/csv; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require("audiences.manage")
@require_GET
def audience_download(request, audience_id: int):
    audience = _audience_or_404(audience_id)
    export = selectors.latest_export(audience.pk)
    if export is None:
        raise Http404
    return _file_response(export, audience)


@never_cache
@require_GET
def audience_feed(request, audience_id: int, token: str):
    """Public: the latest file for whoever holds the URL (the ad platform's scheduled fetch).
    A wrong or revoked token, an unknown id and an audience without a file all answer the
    same plain 404."""
    audience = selectors.feed_audience(audience_id, token)
    export = selectors.latest_export(audience.pk) if audience is not None else None
    path = selectors.export_path(export) if export is not None else None
    if audience is None or path is None:
        response = HttpResponseNotFound(b"Not found\n", content_type="text/plain; charset=utf-8")
        # Django logs 4xx answers with their path, which holds the token: not this one.
        response._has_been_logged = True
        return response
    return _file_response(export, audience)
