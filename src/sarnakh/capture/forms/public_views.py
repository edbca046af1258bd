"""The hosted form page `/f/<slug>` (a plain HTML form: works without JavaScript) and the
embed script `/f/<slug>/embed.js`."""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from sarnakh.capture.forms import intake, selectors
from sarnakh.capture.forms.http import request_meta, with_cors
from sarnakh.capture.forms.intake import RateLimited
from sarnakh.capture.forms.models import Form, FormSubmission, FormView
from sarnakh.core.errors import DomainError, NotFound

VISITOR_COOKIE = "sarnakh_vid"
HIDDEN_CONTEXT = ("_visitor_id", "_page_url", "_referrer")
KEY_FIELD = "_idempotency_key"
EMBED_JS = Path(__file__).resolve().parent.parent / "static" / "capture" / "embed.js"


def _form_or_404(slug: str) -> Form:
    try:
        return intake.active_form(slug)
    except NotFound:
        raise Http404 from None


def _language(request, form: Form) -> str:
    requested = request.GET.get("lang") or request.POST.get("_lang") or ""
    return selectors.pick_language(form, requested, translation.get_language() or "")


def _page_context(request, form: Form, language: str, *, values=None, errors=None, hidden=None, consent_checked=False) -> dict[str, Any]:
    definition = selectors.public_definition(form, language)
    if hidden is None:
        hidden = {
            "_visitor_id": request.COOKIES.get(VISITOR_COOKIE, "")[:64],
            "_page_url": request.build_absolute_uri()[:2000],
            "_referrer": request.META.get("HTTP_REFERER", "")[:2000],
        }
    # Every page shown is a new submission attempt: a fresh key, so the browser re-posting
    # this page (refresh, back) is answered from the stored submission instead of a second.
    hidden = {**hidden, "_lang": language, KEY_FIELD: secrets.token_urlsafe(18)}
    return {
        "form": form, "definition": definition, "values": values or {}, "errors": errors or {}, "hidden": hidden,
        "ts": intake.fill_token(form), "action": request.path, "consent_checked": consent_checked,
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _posted_fields(request) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in request.POST:
        if name.startswith("_") or name == "csrfmiddlewaretoken":
            continue
        values = request.POST.getlist(name)
        fields[name] = values[0] if len(values) == 1 else values
    return fields


def _shown_errors(form: Form, errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Errors by field; those of no visible field (the idempotency key) go above the form."""
    visible = {f["name"] for f in form.fields if f.get("type") != "hidden"} | {"_consent", "__all__"}
    shown: dict[str, list[str]] = {}
    for name, messages in errors.items():
        shown.setdefault(name if name in visible else "__all__", []).extend(messages)
    return shown


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def hosted_form(request, slug: str):
    form = _form_or_404(slug)
    language = _language(request, form)
    with translation.override(language):
        if request.method != "POST":
            context = _page_context(request, form, language)
            intake.form_view_record(form=form, kind=FormView.Kind.HOSTED, visitor_id=context["hidden"]["_visitor_id"])
            return _no_store(render(request, "capture/forms/hosted.html", context))
        fields = _posted_fields(request)
        posted = {name: request.POST.get(name, "")[:2000] for name in HIDDEN_CONTEXT}
        context_data = {"visitor_id": posted["_visitor_id"], "page_url": posted["_page_url"], "referrer": posted["_referrer"]}
        try:
            outcome = intake.submission_receive(
                form=form, fields=fields, context=context_data, meta=request_meta(request, language), via=FormSubmission.Via.HOSTED,
                token=request.POST.get("_ts", ""), honeypot=request.POST.get("_hp", ""), consent=request.POST.get("_consent"),
                idempotency_key=request.POST.get(KEY_FIELD),
            )
        except RateLimited as exc:
            context = {**_page_context(request, form, language), "rate_limited": exc.message}
            response = render(request, "capture/forms/hosted.html", context, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        if not outcome.accepted:
            # The context as stored (cleaned), so the corrected post sends it again as is.
            stored = outcome.submission.context
            hidden = {"_visitor_id": stored.get("visitor_id", ""), "_page_url": stored.get("page_url", ""), "_referrer": stored.get("referrer", "")}
            context = _page_context(
                request, form, language, values=fields, errors=_shown_errors(form, outcome.errors), hidden=hidden,
                consent_checked=bool(request.POST.get("_consent")),
            )
            return _no_store(render(request, "capture/forms/hosted.html", context, status=422))
    # The redirect address is the marketer's, checked to be http(s) when the form was saved.
    response = HttpResponseRedirect(outcome.redirect or f"{request.path}/thanks?lang={language}")
    response.status_code = 303
    return response


@require_GET
def hosted_thanks(request, slug: str):
    form = _form_or_404(slug)
    language = _language(request, form)
    with translation.override(language):
        context = {"form": form, "definition": selectors.public_definition(form, language), "thanks": intake.thank_you_text(form, language)}
        return render(request, "capture/forms/hosted.html", context)


@cache
def _embed_source() -> str:
    return EMBED_JS.read_text(encoding="utf-8")


@require_GET
def embed_js(request, slug: str):
    """The embed script. It reads the form's slug from `data-sarnakh-form` and its own
    address from its `src`, so one script serves every form."""
    try:
        intake.active_form(slug)
    except DomainError:
        raise Http404 from None
    response = HttpResponse(_embed_source(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return with_cors(response)
