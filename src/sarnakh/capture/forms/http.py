"""HTTP details shared by the public form endpoints (JSON API, hosted page, embed script)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from sarnakh.capture.forms.intake import RequestMeta
from sarnakh.core.proxy import client_ip

# Public form routes only: any site may embed a form. No credentials, so no cookies cross.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Idempotency-Key",
    "Access-Control-Expose-Headers": "Retry-After",
    "Access-Control-Max-Age": "86400",
}


def with_cors(response: HttpResponse) -> HttpResponse:
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def preflight() -> HttpResponse:
    return with_cors(HttpResponse(status=204))


def request_meta(request: HttpRequest, language: str = "") -> RequestMeta:
    return RequestMeta(
        ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:500],
        language=language or (translation.get_language() or "")[:2],
    )
