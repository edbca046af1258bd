"""The REST API root: one NinjaAPI at /api/v1/, bearer API keys, one error shape."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.urls import re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
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


class SarnakhAPI(NinjaAPI):
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

    def _unknown_path(self, request: HttpRequest, *args, **kwargs):
        return error_response(request, status=404, code="not_found", message=_("No such API endpoint."))


api = SarnakhAPI(
    parser=StrictJsonParser(),
    title="Sarnakh API",
    version="1",
    description="Leads, companies, lifecycle stages and timelines. Authenticate with `Authorization: Bearer <key>` (create keys in Settings → API keys or with `sarnakh apikey create`).",
    auth=read_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_response(request, *, status: int, code: str, message: str, fields: dict | None = None):
    return api.create_response(request, {"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "payload", "data", "form", "file")]
    return ".".join(parts) or "__all__"


@api.exception_handler(NinjaValidationError)
def on_validation_error(request, exc: NinjaValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_location(error.get("loc", ())), []).append(error.get("msg", "invalid"))
    return error_response(request, status=422, code="validation_error", message=_("Some fields are not valid."), fields=fields)


@api.exception_handler(MultiPartParserError)
def on_multipart_error(request, exc: MultiPartParserError):
    return error_response(request, status=400, code="bad_request", message=_("The multipart body cannot be read: %(detail)s") % {"detail": exc})


@api.exception_handler(DomainError)
def on_domain_error(request, exc: DomainError):
    return error_response(request, status=exc.status, code=exc.code, message=exc.message, fields=exc.fields)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    response = error_response(request, status=401, code="unauthorized", message=_("Send a valid API key as `Authorization: Bearer <key>`."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ScopeError)
def on_scope_error(request, exc):
    return error_response(request, status=403, code="forbidden", message=_("This API key is read-only; this call needs a write key."))


HTTP_ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 429: "too_many_requests"}


@api.exception_handler(HttpError)
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


from sarnakh.contacts.api import router as contacts_router  # noqa: E402
from sarnakh.contacts.api_companies import router as companies_router  # noqa: E402
from sarnakh.contacts.api_settings import router as settings_router  # noqa: E402

api.add_router("/contacts", contacts_router)
api.add_router("/companies", companies_router)
api.add_router("/", settings_router)

from sarnakh.capture.api import export_router as contacts_export_router  # noqa: E402
from sarnakh.capture.api import router as imports_router  # noqa: E402

api.add_router("/imports", imports_router)
api.add_router("/contacts", contacts_export_router)

from sarnakh.capture.form_api import router as forms_router  # noqa: E402

api.add_router("/forms", forms_router)

from sarnakh.tracking.api import router as events_router  # noqa: E402
from sarnakh.tracking.api_attribution import router as attribution_router  # noqa: E402
from sarnakh.tracking.api_reports import router as tracking_reports_router  # noqa: E402
from sarnakh.tracking.api_sites import router as sites_router  # noqa: E402

api.add_router("/", events_router)
api.add_router("/", sites_router)
api.add_router("/", tracking_reports_router)
api.add_router("/", attribution_router)

from sarnakh.scoring.api import router as scoring_router  # noqa: E402
from sarnakh.scoring.backtest_api import router as scoring_backtest_router  # noqa: E402
from sarnakh.scoring.distribution_api import router as scoring_distribution_router  # noqa: E402
from sarnakh.scoring.predictive.api import router as scoring_predictive_router  # noqa: E402

api.add_router("/", scoring_router)
api.add_router("/", scoring_predictive_router)
api.add_router("/", scoring_backtest_router)
api.add_router("/", scoring_distribution_router)

from sarnakh.core.event_log_api import router as event_log_router  # noqa: E402

api.add_router("/", event_log_router)

from sarnakh.webhooks.api import router as webhooks_router  # noqa: E402

api.add_router("/webhooks", webhooks_router)
