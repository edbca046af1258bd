"""/api/v1/forms: form management (API keys) and the public submission endpoints (no key,
CORS open, for the embed script and any site's own code)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Body, Router, Schema, Status

from sarnakh.capture.forms import intake, processing, selectors, services
from sarnakh.capture.forms.http import preflight, request_meta, with_cors
from sarnakh.capture.forms.intake import RateLimited
from sarnakh.capture.forms.models import Form, FormSubmission, FormView
from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, error_response, json_response, write_auth
from sarnakh.core.api_types import DbId
from sarnakh.core.errors import DomainError, NotFound, ValidationFailed
from sarnakh.core.json_body import InvalidBody, loads_strict

# Operation ids keep the module path they were published under (core.api.SarnakhAPI).
PUBLISHED_AS = "sarnakh.capture.form_api"
router = Router(tags=["forms"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class FormStatsOut(Schema):
    views: int
    hosted_views: int
    embed_views: int
    submissions: int
    processed: int
    failed: int
    spam: int
    invalid: int
    conversion_rate: float | None


class FormOut(Schema):
    slug: str
    name: str
    language: str
    title: Any
    intro: Any
    fields: list[dict[str, Any]]
    submit_label: Any
    consent_enabled: bool
    consent_required: bool
    consent_text: Any
    double_opt_in: bool
    source_type: str
    channel: str
    thank_you_message: Any
    redirect_url: str
    notify_emails: list[str]
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    hosted_url: str
    embed_snippet: str
    stats: FormStatsOut


class SubmissionOut(Schema):
    id: int
    status: str
    via: str
    received_at: dt.datetime
    fields: dict[str, Any]
    context: dict[str, Any]
    visitor_id: str
    ip: str | None
    user_agent: str
    errors: dict[str, Any]
    spam_reason: str
    spam_score: int | None
    spam_signals: list[dict[str, Any]]
    released_at: dt.datetime | None
    released_by: str
    consent_given: bool
    consent_text: str
    contact_id: int | None
    processed_at: dt.datetime | None
    attempts: int
    error: str
    idempotency_key: str


class SubmissionPage(Schema):
    items: list[SubmissionOut]
    next_before_id: int | None


def hosted_url(form: Form) -> str:
    return f"{settings.SARNAKH_BASE_URL}/f/{form.slug}"


def embed_snippet(form: Form) -> str:
    return f'<div data-sarnakh-form="{form.slug}"></div>\n<script src="{hosted_url(form)}/embed.js" async></script>'


def form_out(form: Form, stats=None) -> dict[str, Any]:
    stats = stats or getattr(form, "stats", None) or selectors.form_stats(form)
    body = {name: getattr(form, name) for name in FormOut.model_fields if hasattr(form, name) and name != "stats"}
    body.update(
        hosted_url=hosted_url(form), embed_snippet=embed_snippet(form),
        stats={**stats.__dict__, "conversion_rate": stats.conversion_rate},
    )
    return body


def _get(slug: str) -> Form:
    form = selectors.form_get(slug)
    if form is None:
        raise NotFound(_("Form not found."))
    return form


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


# ---------------------------------------------------------------- management (API key)

@router.get("", response={200: list[FormOut], **ERRORS}, summary="List forms with views, submissions and conversion rate")
def list_forms(request):
    return [form_out(f) for f in selectors.form_list()]


@router.post("", auth=write_auth, response={201: FormOut, **ERRORS}, summary="Create a form")
def create_form(request, payload: Body[dict[str, Any]]):
    """Fields: `name`, `slug`, `fields` (list of {name, label, type, required, property,
    help_text, choices, max_length, value}), and optionally `language`, `title`, `intro`,
    `submit_label`, `consent_enabled`, `consent_required`, `consent_text`, `double_opt_in`
    (consent counts only once confirmed from an email), `source_type` (inbound), `channel` (web_form), `thank_you_message`, `redirect_url`, `notify_emails`,
    `is_active`. Texts are a string or {"en": ..., "fa": ...}. `type` is one of text, email,
    phone, number, choice, multi_choice, checkbox, textarea, hidden; `property` is a contact
    field (email, phone, first_name, last_name, job_title, city, country, language,
    company), `company.<field>` (name, domain, industry, employee_band, revenue_band,
    country, or a company custom property key), or a contact custom property key."""
    return Status(201, form_out(services.form_create(data=payload, actor=_actor(request))))


@router.get("/{slug}", response={200: FormOut, **ERRORS}, summary="Get a form")
def get_form(request, slug: str):
    return form_out(_get(slug))


@router.patch("/{slug}", auth=write_auth, response={200: FormOut, **ERRORS}, summary="Change a form")
def update_form(request, slug: str, payload: Body[dict[str, Any]]):
    return form_out(services.form_update(slug=slug, data=payload, actor=_actor(request)))


@router.delete("/{slug}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a form without submissions")
def delete_form(request, slug: str):
    services.form_delete(slug=slug, actor=_actor(request))
    return Status(204, None)


def submission_out(s: FormSubmission) -> dict[str, Any]:
    return {name: getattr(s, name) for name in SubmissionOut.model_fields}


@router.get("/{slug}/submissions", response={200: SubmissionPage, **ERRORS}, summary="A form's submissions, newest first")
def list_submissions(request, slug: str, status: str = "", before_id: DbId | None = None, limit: int = 50):
    """`status`: received, processed, failed, spam or invalid. Page with `before_id` = `next_before_id`."""
    form = _get(slug)
    if status and status not in FormSubmission.Status.values:
        raise ValidationFailed(_("Unknown status."), fields={"status": [_("Use one of: %(values)s.") % {"values": ", ".join(FormSubmission.Status.values)}]})
    rows, next_id = selectors.submissions_page(form, status=status, before_id=before_id, limit=max(1, min(limit, 500)))
    return {"items": [submission_out(s) for s in rows], "next_before_id": next_id}


@router.get("/{slug}/submissions.csv", response={200: None, **ERRORS}, summary="Export a form's submissions as CSV")
def export_submissions(request, slug: str, status: str = ""):
    """UTF-8 with BOM; cells starting with = + - @ tab or CR are prefixed with '."""
    form = _get(slug)
    response = StreamingHttpResponse(selectors.submissions_csv(form, status=status), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="form-{form.slug}-submissions.csv"'
    return response


@router.post("/{slug}/submissions/{int:submission_id}/retry", auth=write_auth, response={200: SubmissionOut, **ERRORS}, summary="Process a failed submission again")
def retry_submission(request, slug: str, submission_id: DbId):
    return submission_out(processing.submission_retry(form_slug=slug, submission_id=submission_id, actor=_actor(request)))


@router.post(
    "/{slug}/submissions/{int:submission_id}/release", auth=write_auth, response={200: SubmissionOut, **ERRORS},
    summary="Not spam: process a submission held as spam",
)
def release_submission(request, slug: str, submission_id: DbId):
    """Applied once: releasing it again answers the same submission and changes nothing.
    409 when the submission was not held as spam."""
    return submission_out(processing.submission_release(form_slug=slug, submission_id=submission_id, actor=_actor(request)))


# ---------------------------------------------------------------- public (no key, CORS)

def _error(request, exc: DomainError) -> HttpResponse:
    response = error_response(request, status=exc.status, code=exc.code, message=exc.message, fields=exc.fields)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return with_cors(response)


def _language(request: HttpRequest, body: Any = None) -> str:
    requested = request.GET.get("lang") or (body.get("lang") if isinstance(body, dict) else "") or ""
    return requested[:2] if isinstance(requested, str) and requested[:2] in ("en", "fa") else ""


@router.api_operation(["OPTIONS"], "/{slug}/public", auth=None, include_in_schema=False)
def public_preflight(request, slug: str):
    return preflight()


@router.get("/{slug}/public", auth=None, response={200: dict, 404: ErrorOut}, summary="A form's public definition (for embedding)")
def public_form(request, slug: str, view: str = "", visitor_id: str = ""):
    """No key needed. `?lang=fa` picks the language; `?view=embed` counts a view of the embedded form."""
    try:
        form = intake.active_form(slug)
    except DomainError as exc:
        return _error(request, exc)
    language = selectors.pick_language(form, _language(request), translation.get_language() or "")
    with translation.override(language):
        body = selectors.public_definition(form, language)
    body["ts"] = intake.fill_token(form)
    body["submit_url"] = f"{settings.SARNAKH_BASE_URL}/api/v1/forms/{form.slug}/submissions"
    if view == FormView.Kind.EMBED:
        intake.form_view_record(form=form, kind=FormView.Kind.EMBED, visitor_id=visitor_id)
    response = json_response(request, body, status=200)
    response["Cache-Control"] = "no-store"
    return with_cors(response)


@router.api_operation(["OPTIONS"], "/{slug}/submissions", auth=None, include_in_schema=False)
def submissions_preflight(request, slug: str):
    return preflight()


_IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "One per submission attempt, the same for its retries: a repeat gets the first answer and stores nothing.",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
}


@router.post(
    "/{slug}/submissions", auth=None, response={201: dict, **ERRORS}, summary="Submit a form (public, no key)",
    openapi_extra={"parameters": [_IDEMPOTENCY_HEADER]},
)
def submit_form(request, slug: str):
    """JSON body: `{"fields": {"email": "...", ...}, "context": {"visitor_id": "...",
    "page_url": "...", "referrer": "...", "utm_source": "...", ...}, "consent": true}`;
    optional `_ts` (the fill-time token from the public definition), `_hp` (honeypot,
    must stay empty) and `idempotency_key` (or the `Idempotency-Key` header, which wins):
    1–64 of A–Z a–z 0–9 _ . : -, one per submission attempt; sent again with the same
    fields it gets the first answer and stores nothing. Answers 201 `{"status": "ok",
    "message": ..., "redirect": ...}`, 422 with per-field messages, 429 with Retry-After.
    The submission is stored before any answer."""
    try:
        form = intake.active_form(slug, cached=True)
        parse_error, raw_body, body = "", "", None
        try:
            # Read here, not by the API's parser: whatever that parser refuses (NUL, say),
            # a public submission is still stored and judged field by field.
            body = loads_strict(request.body)
        except InvalidBody as exc:
            parse_error, raw_body = str(exc), request.body.decode("utf-8", "replace")
        if body is not None and not isinstance(body, dict):
            parse_error, raw_body = _("Send a JSON object."), request.body.decode("utf-8", "replace")
        body = body if isinstance(body, dict) else {}
        language = selectors.pick_language(form, _language(request, body), translation.get_language() or "")
        with translation.override(language):
            outcome = intake.submission_receive(
                form=form, fields=body.get("fields"), context=body.get("context"), meta=request_meta(request, language),
                token=body.get("_ts"), honeypot=body.get("_hp"), consent=body.get("consent"),
                parse_error=parse_error, raw_body=raw_body,
                idempotency_key=request.headers.get("Idempotency-Key") or body.get("idempotency_key"),
            )
            if parse_error:
                return with_cors(error_response(request, status=400, code="invalid_json", message=parse_error))
            if not outcome.accepted:
                return with_cors(error_response(request, status=422, code="validation_error", message=outcome.message, fields=outcome.errors))
    except DomainError as exc:
        return _error(request, exc)
    return with_cors(json_response(request, {"status": "ok", "message": outcome.message, "redirect": outcome.redirect}, status=201))
