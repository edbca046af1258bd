"""Staff pages for forms: list with conversion rates, the builder with live preview, and a
form's submissions (retry the failed ones, export CSV)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.capture.forms import (
    builder,
    engine,
    intake,
    processing,
    selectors,
    services,
    spam_labels,
)
from sarnakh.capture.forms.api import embed_snippet, hosted_url
from sarnakh.capture.forms.models import Form, FormSubmission
from sarnakh.contacts.selectors import ObjectType, property_definitions
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.roles import can
from sarnakh.core.ui.formatting import format_number
from sarnakh.core.ui.permissions import require

PAGE_SIZE = 50
LANGS = engine.LANGUAGES
LOCALIZED_FORM_KEYS = {"title": "title", "intro": "intro", "submit": "submit_label", "consent": "consent_text", "thanks": "thank_you_message"}
STARTER_FIELDS = [
    {"name": "email", "type": "email", "property": "email", "required": True, "label": {"en": "Email", "fa": "ایمیل"}},
    {"name": "first_name", "type": "text", "property": "first_name", "label": {"en": "First name", "fa": "نام"}},
    {"name": "last_name", "type": "text", "property": "last_name", "label": {"en": "Last name", "fa": "نام خانوادگی"}},
]


def _actor(request) -> Actor:
    return Actor.for_user(request.user)


def _get(slug: str) -> Form:
    form = selectors.form_get(slug)
    if form is None:
        raise Http404
    return form


# ---------------------------------------------------------------- builder <-> POST

def rows_from_form(form: Form) -> list[dict[str, Any]]:
    return builder.rows_from_definitions(form.fields)


def values_from_form(form: Form | None) -> dict[str, Any]:
    if form is None:
        return {"source_type": SourceType.INBOUND, "channel": Channel.WEB_FORM, "is_active": True, "language": ""}
    values = {
        "name": form.name, "slug": form.slug, "language": form.language, "source_type": form.source_type, "channel": form.channel,
        "redirect_url": form.redirect_url, "notify_emails": "\n".join(form.notify_emails), "is_active": form.is_active,
        "consent_enabled": form.consent_enabled, "consent_required": form.consent_required,
        "double_opt_in": form.double_opt_in,
    }
    for prefix, attr in LOCALIZED_FORM_KEYS.items():
        texts = builder.per_language(getattr(form, attr))
        for lang in LANGS:
            values[f"{prefix}_{lang}"] = texts.get(lang, "")
    return values


def parse_builder(post) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """The builder's POST -> (form data for services.form_create/update, rows and values to re-render)."""
    rows = builder.parse_rows(post)
    values: dict[str, Any] = {key: post.get(key, "") for key in ("name", "slug", "language", "source_type", "channel", "redirect_url", "notify_emails")}
    for key in ("consent_enabled", "consent_required", "double_opt_in", "is_active"):
        values[key] = post.get(key) == "on"
    for prefix in LOCALIZED_FORM_KEYS:
        for lang in LANGS:
            values[f"{prefix}_{lang}"] = post.get(f"{prefix}_{lang}", "")
    data: dict[str, Any] = {key: values[key] for key in ("name", "slug", "language", "source_type", "channel", "redirect_url", "notify_emails", "consent_enabled", "consent_required", "double_opt_in", "is_active")}
    data["slug"] = data["slug"].strip().lower()
    for prefix, attr in LOCALIZED_FORM_KEYS.items():
        data[attr] = builder.localized_input({lang: values[f"{prefix}_{lang}"] for lang in LANGS})
    data["fields"] = builder.definitions(rows)
    return data, rows, values


def _property_choices() -> list[tuple[str, str]]:
    choices = [("", _("— keep on the submission only —"))]
    labels = {
        "email": _("Email"), "phone": _("Phone"), "first_name": _("First name"), "last_name": _("Last name"),
        "job_title": _("Job title"), "city": _("City"), "country": _("Country (ISO code)"), "language": _("Language"),
    }
    choices += [(key, _("Contact: %(label)s") % {"label": label}) for key, label in labels.items()]
    company = {"company.name": _("Name"), "company.domain": _("Domain"), "company.industry": _("Industry"),
               "company.employee_band": _("Employees"), "company.revenue_band": _("Annual revenue"), "company.country": _("Country")}
    choices += [(key, _("Company: %(label)s") % {"label": label}) for key, label in company.items()]
    choices += [(d.key, _("Custom property: %(label)s") % {"label": d.display_label}) for d in property_definitions(ObjectType.CONTACT)]
    choices += [(f"company.{d.key}", _("Company custom property: %(label)s") % {"label": d.display_label}) for d in property_definitions(ObjectType.COMPANY)]
    return choices


def _preview_form(data: dict[str, Any]) -> Form:
    """An unsaved form from builder data, for the preview (invalid parts left out)."""
    fields, _errors = engine.clean_field_definitions(data.get("fields") or [], services.known_properties())
    form = Form(slug=data.get("slug") or "preview", name=data.get("name") or "", language=data.get("language") or "")
    form.fields = [f for f in fields if f.get("name")]
    for attr in LOCALIZED_FORM_KEYS.values():
        setattr(form, attr, data.get(attr) or {})
    form.consent_enabled, form.consent_required = bool(data.get("consent_enabled")), bool(data.get("consent_required"))
    return form


def _preview_context(request, data: dict[str, Any]) -> dict[str, Any]:
    form = _preview_form(data)
    language = selectors.pick_language(form, request.POST.get("preview_lang") or request.GET.get("preview_lang", ""), translation.get_language() or "")
    with translation.override(language):
        definition = selectors.public_definition(form, language)
    return {"definition": definition, "values": {}, "errors": {}, "hidden": {}, "ts": "", "action": "#", "preview": True, "preview_lang": language}


def _builder(request, form: Form | None):
    if request.method == "POST":
        data, rows, values = parse_builder(request.POST)
        action = request.POST.get("action", "save")
    else:
        data = {}
        rows = builder.rows_from_definitions(form.fields if form else STARTER_FIELDS)
        values, action = values_from_form(form), ""
    errors: dict[str, list[str]] = {}
    status = 200
    if action and action != "save":
        builder.apply_action(action, rows)
        data["fields"] = builder.definitions(rows)
    elif action == "save":
        try:
            if form is None:
                saved = services.form_create(data=data, actor=_actor(request))
                messages.success(request, _("Form created. Put it on your site with the snippet below."))
            else:
                saved = services.form_update(slug=form.slug, data=data, actor=_actor(request))
                messages.success(request, _("Form saved."))
            return redirect("forms:detail", slug=saved.slug)
        except DomainError as exc:
            errors = dict(exc.fields) or {"__all__": [exc.message]}
            status = 422
    if not data:
        data = {**{k: values.get(k) for k in ("name", "slug", "language", "consent_enabled", "consent_required")},
                **{attr: builder.localized_input({lang: values.get(f"{prefix}_{lang}", "") for lang in LANGS}) for prefix, attr in LOCALIZED_FORM_KEYS.items()},
                "fields": builder.definitions(rows)}
    row_errors, form_errors, general_errors = builder.split_errors(errors, len(rows))
    keys = builder.fill_keys(rows)
    context = {
        "form": form, "rows": [{"row": row, "errors": row_errors[i], "key": keys[i]} for i, row in enumerate(rows)],
        "row_count": len(rows), "values": values, "errors": form_errors, "general_errors": general_errors,
        "error_summary": builder.error_summary(row_errors, form_errors, general_errors) if errors else [],
        "field_types": builder.type_choices(), "choice_types": builder.CHOICE_TYPES,
        "property_choices": _property_choices(), "source_types": SourceType.choices,
        "channels": Channel.choices, "languages": [("", _("Visitor's language")), ("en", "English"), ("fa", "فارسی")],
        "preview": _preview_context(request, data),
    }
    return render(request, "capture/forms/builder.html", context, status=status)


# ---------------------------------------------------------------- pages

@require("forms.view")
def form_list(request):
    return render(request, "capture/forms/list.html", {"forms": selectors.form_list(), "can_manage": can(request.user, "forms.manage")})


@require("forms.manage")
def form_new(request):
    return _builder(request, None)


@require("forms.manage")
def form_edit(request, slug: str):
    return _builder(request, _get(slug))


@require("forms.manage")
@require_POST
def form_preview(request):
    data, _rows, _values = parse_builder(request.POST)
    return render(request, "capture/forms/_preview.html", _preview_context(request, data))


def _submission_rows(form: Form, submissions: list[FormSubmission]) -> list[dict[str, Any]]:
    language = translation.get_language() or "en"
    labels = {d["name"]: engine.field_label(d, language) for d in form.fields}
    rows = []
    for s in submissions:
        fields = s.fields if isinstance(s.fields, dict) else {}
        shown = [(labels.get(name, name), ", ".join(map(str, value)) if isinstance(value, list) else str(value)) for name, value in fields.items() if value not in ("", None, [])]
        rows.append({
            "s": s, "fields": shown, "errors": [f"{labels.get(k, k)}: {' '.join(v)}" for k, v in (s.errors or {}).items()],
            "spam_signals": spam_labels.signal_rows(s),
        })
    return rows


@require("forms.view")
def form_detail(request, slug: str):
    form = _get(slug)
    status = request.GET.get("status", "")
    status = status if status in FormSubmission.Status.values else ""
    before = request.GET.get("before", "")
    submissions, next_before = selectors.submissions_page(form, status=status, before_id=int(before) if before.isdigit() else None, limit=PAGE_SIZE)
    context = {
        "form": form, "stats": selectors.form_stats(form), "counts": selectors.submission_status_counts(form),
        "statuses": FormSubmission.Status.choices, "status": status, "rows": _submission_rows(form, submissions),
        "next_before": next_before, "hosted_url": hosted_url(form), "embed_snippet": embed_snippet(form),
        "can_manage": can(request.user, "forms.manage"), "spam_threshold": intake.spam_threshold(),
    }
    return render(request, "capture/forms/detail.html", context)


@require("forms.view")
def submissions_csv(request, slug: str):
    form = _get(slug)
    status = request.GET.get("status", "")
    response = StreamingHttpResponse(
        selectors.submissions_csv(form, status=status if status in FormSubmission.Status.values else ""), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="form-{form.slug}-submissions.csv"'
    return response


@require("forms.manage")
@require_POST
def submission_retry(request, slug: str, submission_id: int):
    try:
        done = processing.submission_retry(form_slug=slug, submission_id=submission_id, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if done.status == FormSubmission.Status.PROCESSED:
            messages.success(request, _("Submission %(id)s processed.") % {"id": format_number(done.pk)})
        else:
            messages.error(request, _("Submission %(id)s failed again: %(error)s") % {"id": format_number(done.pk), "error": done.error})
    return redirect("forms:detail", slug=slug)


@require("forms.manage")
@require_POST
def submission_release(request, slug: str, submission_id: int):
    try:
        done = processing.submission_release(form_slug=slug, submission_id=submission_id, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if done.status == FormSubmission.Status.PROCESSED:
            messages.success(request, _("Submission %(id)s released and processed.") % {"id": format_number(done.pk)})
        elif done.status == FormSubmission.Status.INVALID:
            messages.error(request, _("Submission %(id)s released, but its values do not fit the form; it is kept as invalid.") % {"id": format_number(done.pk)})
        else:
            messages.error(request, _("Submission %(id)s released, but processing failed: %(error)s") % {"id": format_number(done.pk), "error": done.error})
    return redirect("forms:detail", slug=slug)


@require("forms.manage")
@require_POST
def retry_failed(request, slug: str):
    form = _get(slug)
    counts = processing.submissions_retry_failed(form_slug=form.slug)
    messages.info(request, _("Retried: %(processed)d processed, %(failed)d still failing.") % counts)
    return redirect("forms:detail", slug=slug)
