"""Request guards that run before any view: oversize bodies (413), input the database
cannot store (NUL, see core.storable), and the API's error shape for answers Django or
django-ninja make outside our handlers (405)."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from sarnakh.core import storable

API_PREFIX = "/api/v1/"


def too_large_response(limit: int) -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "code": "payload_too_large",
                "message": _("Request body is larger than %(limit)d bytes.") % {"limit": limit},
                "fields": {},
            }
        },
        status=413,
    )


# Path prefix -> larger limit, for views that stream file uploads to disk (apps register
# theirs in AppConfig.ready); every other path keeps SARNAKH_MAX_BODY_BYTES.
_PATH_LIMITS: dict[str, int] = {}


def register_body_limit(path_prefix: str, limit: int) -> None:
    _PATH_LIMITS[path_prefix] = limit


def body_limit_for(path: str) -> int:
    matches = [prefix for prefix in _PATH_LIMITS if path.startswith(prefix)]
    return _PATH_LIMITS[max(matches, key=len)] if matches else settings.SARNAKH_MAX_BODY_BYTES


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = body_limit_for(request.path)
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            declared = int(length)
        except ValueError:
            declared = 0
        if declared > limit:
            return too_large_response(limit)
        return self.get_response(request)


# Public intake paths (the hosted form): they store what a visitor sent and clean it
# themselves, so a stray NUL never costs a submission (apps register theirs).
_RAW_INTAKE_PREFIXES: set[str] = set()


def register_raw_intake_path(path_prefix: str) -> None:
    _RAW_INTAKE_PREFIXES.add(path_prefix)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_in(data) -> str | None:
    for key, values in data.lists():
        names = [getattr(v, "name", v) for v in values]  # an uploaded file counts by its name
        if storable.NUL in key or any(isinstance(n, str) and storable.NUL in n for n in names):
            return key.replace(storable.NUL, "")
    return None


def _nul_field(request) -> str | None:
    """The name of the first path, query or form field holding NUL, or None. Staff form
    posts are read here (CSRF checking reads them anyway); the API's multipart fields are
    checked by its parser, which names them in its own way."""
    if storable.NUL in request.path:
        return "path"
    field = _nul_in(request.GET)
    if field is None and request.method == "POST" and request.content_type in FORM_TYPES and not request.path.startswith(API_PREFIX):
        field = _nul_in(request.POST) or _nul_in(request.FILES)
    return field


def validation_error_response(field: str, message: str) -> JsonResponse:
    body = {"error": {"code": "validation_error", "message": _("Some fields are not valid."), "fields": {field: [message]}}}
    return JsonResponse(body, status=422)


class UnstorableInputMiddleware:
    """NUL in a path, a query or a form post is refused before a view can pass it to the
    database: 422 naming the field on the API, a 400 page elsewhere. JSON bodies are
    checked by the API's parser; public intake paths keep their own policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not any(request.path.startswith(prefix) for prefix in _RAW_INTAKE_PREFIXES):
            try:
                field = _nul_field(request)
            except MultiPartParserError as exc:  # no boundary, a broken part: the client's fault
                return render(request, "400.html", {"problem": str(exc)}, status=400)
            if field is not None:
                if request.path.startswith(API_PREFIX):
                    return validation_error_response(field, storable.nul_message())
                return render(request, "400.html", {"problem": storable.nul_message()}, status=400)
        return self.get_response(request)


class ApiErrorShapeMiddleware:
    """django-ninja answers a method an endpoint lacks with a plain-text 405; the API
    promises its JSON error shape for every error, with the Allow header kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.path.startswith(API_PREFIX) and "json" not in response.get("Content-Type", ""):
            allowed = response.get("Allow", "")
            message = _("This endpoint does not accept %(method)s; use %(allowed)s.") % {
                "method": request.method[:20], "allowed": allowed or "-",
            }
            body = {"error": {"code": "method_not_allowed", "message": message, "fields": {}}}
            shaped = HttpResponse(json.dumps(body, ensure_ascii=False), status=405, content_type="application/json")
            if allowed:
                shaped["Allow"] = allowed
            return shaped
        return response
