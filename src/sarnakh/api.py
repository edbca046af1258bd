"""The REST API root: one NinjaAPI at /api/v1/, bearer API keys, one error shape."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer

from sarnakh.core.apikeys import apikey_authenticate
from sarnakh.core.errors import DomainError
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

api = NinjaAPI(
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
    if any(e.get("type") == "json_invalid" for e in exc.errors):
        return error_response(request, status=400, code="invalid_json", message=_("The request body is not valid JSON."), fields=fields)
    return error_response(request, status=422, code="validation_error", message=_("Some fields are not valid."), fields=fields)


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


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, status=exc.status_code, code="http_error", message=str(exc))


from sarnakh.contacts.api import router as contacts_router  # noqa: E402
from sarnakh.contacts.api_companies import router as companies_router  # noqa: E402
from sarnakh.contacts.api_settings import router as settings_router  # noqa: E402

api.add_router("/contacts", contacts_router)
api.add_router("/companies", companies_router)
api.add_router("/", settings_router)
