"""POST /api/v1/events: the tracker's and server-side integrations' way in.

Authenticated by the public site key in the body (origin-checked) or by a write API key.
The body is read here rather than by django-ninja's parser: browsers send it as
text/plain (no CORS preflight), and the hot path stays short. Every answer carries
`Access-Control-Allow-Origin: *` so the tracker can read its status (no cookies are sent).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Router

from sarnakh.core.apikeys import apikey_authenticate
from sarnakh.core.errors import DomainError, PermissionDenied, Unauthorized
from sarnakh.core.models import ApiKey
from sarnakh.core.proxy import client_ip
from sarnakh.tracking import event_input, ingest

router = Router(tags=["events"])

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization",
    "Access-Control-Max-Age": "86400",
}

# Optional fields may be sent as null, which means "not given".
_EVENT_SCHEMA = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "id": {"type": ["string", "null"], "maxLength": 64, "description": "Idempotency key: sent twice, stored once."},
        "type": {"type": "string", "enum": ["page_view", "track", "identify"]},
        "name": {"type": ["string", "null"], "maxLength": 100, "description": "Required for track: cta_click, download, demo_booked…"},
        "visitor_id": {"type": ["string", "null"], "maxLength": 64},
        "timestamp": {"type": ["string", "null"], "format": "date-time"},
        "url": {"type": ["string", "null"], "maxLength": 2000},
        "referrer": {"type": ["string", "null"], "maxLength": 2000},
        "title": {"type": ["string", "null"], "maxLength": 300},
        "properties": {"type": ["object", "null"], "description": "Up to 8 KB. identify: email, first_name…; cta_click: label."},
        "contact_id": {"type": ["integer", "null"], "minimum": 1, "maximum": 2**63 - 1, "description": "API key only."},
        "email": {"type": ["string", "null"], "description": "API key only: the person; an unknown email creates the contact."},
    },
}
_OPENAPI = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["events"],
                    "properties": {
                        "site_key": {"type": "string", "description": "Public site key (browsers). Leave out with an API key."},
                        "sent_at": {"type": "string", "format": "date-time", "description": "Sender's clock when sending; corrects skewed timestamps."},
                        "events": {"type": "array", "maxItems": 500, "items": _EVENT_SCHEMA},
                    },
                }
            }
        },
    },
    "responses": {
        "202": {"description": "All events stored (new or duplicate)."},
        "207": {"description": "Some events rejected; `errors` lists them by index."},
        "400": {"description": "Not JSON, or no events list."},
        "401": {"description": "Unknown site key or API key."},
        "403": {"description": "A site key without an Origin header or from an origin the site does not allow, or a read-only API key."},
        "413": {"description": "More than 500 events or 500 KB."},
        "422": {"description": "Every event was rejected."},
    },
}


def _json(status: int, body: dict) -> HttpResponse:
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response


def _error(exc: DomainError) -> HttpResponse:
    return _json(exc.status, {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}})


def _sender(request: HttpRequest, data: dict) -> ingest.Sender:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        api_key = apikey_authenticate(token.strip()) if scheme.lower() == "bearer" else None
        if api_key is None:
            raise Unauthorized(_("Send a valid API key as `Authorization: Bearer <key>`."))
        if api_key.scope != ApiKey.Scope.WRITE:
            raise PermissionDenied(_("This API key is read-only; this call needs a write key."))
        return ingest.Sender(api_key=api_key)
    return ingest.sender_for_site(data, origin=request.headers.get("Origin", ""))


@router.post(
    "/events", auth=None, summary="Record a batch of events",
    description=(
        "Up to 500 page views, custom events and identifies per request. Browsers send the public "
        "`site_key`; server-side sources send a write API key instead and may name the person by "
        "`contact_id` or `email`. Stored before the answer; processed (identity, sessions, channels, "
        "timeline) right after. See docs/tracking.md."
    ),
    openapi_extra=_OPENAPI,
)
def events_post(request: HttpRequest):
    try:
        data = ingest.parse_batch(request.body)
        sender = _sender(request, data)
        # Headers are not typed by the visitor either: control characters (NUL, which
        # PostgreSQL refuses) are dropped like in the events' own texts.
        meta = {
            "ip": client_ip(request) or "",
            "user_agent": event_input.clean_text(request.headers.get("User-Agent", ""), 500),
            "origin": event_input.clean_text(request.headers.get("Origin", ""), 200),
        }
        result = ingest.batch_receive(data=data, sender=sender, request_meta=meta)
    except DomainError as exc:
        return _error(exc)
    return _json(result.status, result.as_dict())


@router.api_operation(["OPTIONS"], "/events", auth=None, include_in_schema=False)
def events_preflight(request: HttpRequest):
    response = HttpResponse(status=204)
    for name, value in CORS_HEADERS.items():
        response[name] = value
    return response
