"""Small helpers for answering htmx requests and plain form posts from one view."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse


def is_htmx(request: HttpRequest) -> bool:
    # A history-restore request wants the whole page, not a fragment.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def htmx_target(request: HttpRequest) -> str:
    return request.headers.get("HX-Target", "") if is_htmx(request) else ""


def trigger(response: HttpResponse, *events: str) -> HttpResponse:
    """Tells other parts of the page (e.g. the timeline) to refresh themselves."""
    response["HX-Trigger"] = json.dumps({event: True for event in events})
    return response


def error_messages(exc) -> list[str]:
    """A DomainError's field messages, flattened; falls back to its main message."""
    messages = [m for field_messages in (exc.fields or {}).values() for m in field_messages]
    return messages or [exc.message]
