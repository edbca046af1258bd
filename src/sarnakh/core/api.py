"""What every API router shares: bearer API keys with a read or write scope, the strict
JSON parser, the one error shape (`ErrorOut`) and the exception handlers that give it,
and the NinjaAPI class that documents the errors any operation can answer.

The root `sarnakh/api.py` only builds the API from these and adds each app's routers;
routers import what they need from here, never from the root (which imports them).
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from sarnakh.core import storable
from sarnakh.core.apikeys import apikey_authenticate
from sarnakh.core.errors import DomainError
from sarnakh.core.json_body import InvalidBody, loads_strict
from sarnakh.core.models import ApiKey


class ApiKeyAuth(HttpBearer):
    """Bearer key with a scope: read keys may GET, write keys may do anything."""

    def __init__(self, scope: str = ApiKey.Scope.READ):
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str):
        api_key = apikey_authenticate(token)
        if api_key is None:
            return None
        if self.scope == ApiKey.Scope.WRITE and api_key.scope != ApiKey.Scope.WRITE:
            raise ScopeError()
        request.api_key = api_key
        return api_key


class ScopeError(Exception):
    pass


read_auth = ApiKeyAuth(ApiKey.Scope.READ)
write_auth = ApiKeyAuth(ApiKey.Scope.WRITE)


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]]


class ErrorOut(Schema):
    error: ErrorBody


class UnstorableInput(ValueError):
    """A body or form value the database cannot hold (NUL in text, an integer past 64 bits)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class BodyNotObject(ValueError):
    """Every operation's body is a JSON object; anything else is refused, not read as empty."""


class StrictJsonParser(Parser):
    """RFC 8259 JSON in UTF-8 (a leading byte-order mark is tolerated); no NaN or Infinity;
    an object at the top; nothing the database cannot store (see core.storable)."""

    def parse_body(self, request: HttpRequest):
        data = loads_strict(request.body)
        if not isinstance(data, dict):
            raise BodyNotObject(_("Send a JSON object."))
        problem = storable.first_unstorable(data)
        if problem:
            raise UnstorableInput(*problem)
        return data

    def parse_querydict(self, data, list_fields, request):
        # Query strings, and the form fields and file names of multipart operations (imports).
        where = "query" if data is request.GET else "form"
        for key, values in data.lists():
            for value in values:
                text = getattr(value, "name", value)  # an uploaded file is named by its file name
                if isinstance(text, str) and storable.NUL in text:
                    raise NinjaValidationError([{"loc": (where, key), "msg": storable.nul_message()}])
        return super().parse_querydict(data, list_fields, request)


def _error_answer(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}


# One renderer for the API and for answers built outside an operation (error_response).
RENDERER = JSONRenderer()


class SarnakhAPI(NinjaAPI):
    """NinjaAPI with Sarnakh's error shape for every failure, unknown paths included."""

    def __init__(self, **kwargs):
        kwargs.setdefault("renderer", RENDERER)
        super().__init__(**kwargs)
        for exc_class, handler in ERROR_HANDLERS.items():
            self.add_exception_handler(exc_class, handler)

    def _get_urls(self):
        # Unknown paths under /api/v1/ answer in the API's error shape, not Django's HTML
        # page; like every API view it takes no session cookie, so it needs no CSRF token.
        # [\s\S], not ".": a path with a newline in it is unknown too.
        return [*super()._get_urls(), re_path(r"^[\s\S]*$", csrf_exempt(self._unknown_path))]

    def get_openapi_schema(self, **kwargs):
        """Also documents the errors any operation can give whatever its router declared:
        422 from the input guards (core.middleware, the parser), 400 and 413 for bodies,
        401 where a key is needed and 403 for write operations."""
        schema = super().get_openapi_schema(**kwargs)
        for path_item in schema["paths"].values():
            for method, operation in path_item.items():
                responses = operation.setdefault("responses", {})
                common = {422: _("Some fields are not valid.")}
                if "requestBody" in operation:
                    common |= {400: _("The body cannot be read."), 413: _("The body is too large.")}
                if operation.get("security"):
                    common[401] = _("No valid API key.")
                    if method != "get":
                        common[403] = _("This API key is read-only.")
                # django-ninja keys responses by int; a str key would print a second "422"
                present = {str(status) for status in responses}
                for status, description in common.items():
                    if str(status) not in present:
                        responses[status] = _error_answer(description)
        return schema

    def get_openapi_operation_id(self, operation) -> str:
        """`<module>_<function>` as django-ninja names operations, except that a router
        module moved since its operations were published keeps their ids (clients generate
        method names from them): it names the path they were published under in
        PUBLISHED_AS."""
        module = sys.modules[operation.view_func.__module__]
        path = getattr(module, "PUBLISHED_AS", module.__name__)
        return f"{path}_{operation.view_func.__name__}".replace(".", "_")

    def _unknown_path(self, request: HttpRequest, *args, **kwargs):
        return error_response(request, status=404, code="not_found", message=_("No such API endpoint."))


def json_response(request: HttpRequest, data, *, status: int) -> HttpResponse:
    """What NinjaAPI.create_response gives, for answers built outside an operation."""
    content = RENDERER.render(request, data, response_status=status)
    return HttpResponse(content, status=status, content_type=f"{RENDERER.media_type}; charset={RENDERER.charset}")


def error_response(request, *, status: int, code: str, message: str, fields: dict | None = None):
    return json_response(request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "form", "file")]
    return ".".join(parts) or "__all__"


def on_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_location(error.get("loc", ())), []).append(error.get("msg", "invalid"))
    return error_response(request, status=422, code="validation_error", message=_("Some fields are not valid."), fields=fields)


def on_multipart_error(request, exc: MultiPartParserError):
    return error_response(request, status=400, code="bad_request", message=_("The multipart body cannot be read: %(detail)s") % {"detail": exc})


def on_domain_error(request, exc: DomainError):
    return error_response(request, status=exc.status, code=exc.code, message=exc.message, fields=exc.fields)


def on_auth_error(request, exc):
    response = error_response(request, status=401, code="unauthorized", message=_("Send a valid API key as `Authorization: Bearer <key>`."))
    response["WWW-Authenticate"] = "Bearer"
    return response


def on_scope_error(request, exc):
    return error_response(request, status=403, code="forbidden", message=_("This API key is read-only; this call needs a write key."))


HTTP_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 429: "too_many_requests"}


def on_http_error(request, exc: HttpError):
    # django-ninja turns any failure of the body parser into HttpError(400) caused by it.
    cause = exc.__cause__
    if isinstance(cause, InvalidBody):
        return error_response(request, status=400, code="invalid_json", message=str(cause))
    if isinstance(cause, BodyNotObject):
        return error_response(request, status=422, code="validation_error", message=str(cause), fields={"__all__": [str(cause)]})
    if isinstance(cause, UnstorableInput):
        return error_response(
            request, status=422, code="validation_error", message=_("Some fields are not valid."), fields={cause.field: [str(cause)]}
        )
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return error_response(request, status=exc.status_code, code=code, message=str(exc))


ERROR_HANDLERS = {
    NinjaValidationError: on_validation_error,
    MultiPartParserError: on_multipart_error,
    DomainError: on_domain_error,
    AuthenticationError: on_auth_error,
    ScopeError: on_scope_error,
    HttpError: on_http_error,
}
