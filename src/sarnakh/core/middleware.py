"""Refuses oversize request bodies with 413 before any view reads them."""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _


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
