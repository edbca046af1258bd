"""Writes for form definitions: create, update, delete. The same checks serve the API and
the form builder (forms.engine does the field-by-field judgement)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sarnakh.capture.forms import engine
from sarnakh.capture.forms.intake import forget_form
from sarnakh.capture.forms.models import Form
from sarnakh.contacts.selectors import ObjectType, property_definitions
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.normalize import InvalidEmail, clean_display_text, normalize_email

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
MAX_NOTIFY = 20
FORM_KEYS = frozenset(
    [
        "name", "slug", "language", "title", "intro", "fields", "submit_label", "consent_enabled", "consent_required",
        "consent_text", "double_opt_in", "source_type", "channel", "thank_you_message", "redirect_url", "notify_emails", "is_active",
    ]
)
LOCALIZED = {"title": 200, "intro": 2000, "submit_label": 60, "consent_text": 2000, "thank_you_message": 2000}
BOOLEANS = ("consent_enabled", "consent_required", "double_opt_in", "is_active")


def known_properties() -> engine.KnownProperties:
    return engine.KnownProperties(
        contact={d.key: d.type for d in property_definitions(ObjectType.CONTACT)},
        company={d.key: d.type for d in property_definitions(ObjectType.COMPANY)},
    )


def _choice(value: Any, choices, name: str, errors: dict[str, list[str]]) -> str:
    text = value.replace("-", "_") if isinstance(value, str) else None
    if text not in choices.values:
        errors.setdefault(name, []).append(_("Use one of: %(values)s.") % {"values": ", ".join(choices.values)})
        return ""
    return text


def _clean_notify(value: Any, errors: dict[str, list[str]]) -> list[str]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[\s,;]+", value) if part]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors.setdefault("notify_emails", []).append(_("Send a list of email addresses."))
        return []
    out: list[str] = []
    for item in value:
        try:
            email = normalize_email(item)
        except InvalidEmail:
            errors.setdefault("notify_emails", []).append(_("%(value)s is not a valid email address.") % {"value": item[:100]})
            continue
        if email and email not in out:
            out.append(email)
    if len(out) > MAX_NOTIFY:
        errors.setdefault("notify_emails", []).append(_("At most %(max)d addresses.") % {"max": MAX_NOTIFY})
    return out


def _clean_redirect(value: Any, errors: dict[str, list[str]]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        errors.setdefault("redirect_url", []).append(_("Enter a web address."))
        return ""
    url = value.strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except DjangoValidationError:
        errors.setdefault("redirect_url", []).append(_("Enter a full web address starting with https:// or http://."))
        return ""
    if len(url) > 2000:
        errors.setdefault("redirect_url", []).append(_("Keep this under %(max)d characters.") % {"max": 2000})
    return url


def clean_form_data(data: Any, *, creating: bool, current: Form | None = None) -> dict[str, Any]:
    """Checks a form definition (whole on create, partial on update); raises ValidationFailed."""
    if not isinstance(data, dict):
        raise ValidationFailed(_("Send a JSON object."))
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for key in data:
        if key not in FORM_KEYS:
            errors.setdefault(key, []).append(_("Unknown field."))
    if "name" in data or creating:
        name = clean_display_text(data.get("name")) if isinstance(data.get("name"), str) else ""
        if not name:
            errors.setdefault("name", []).append(_("This field is required."))
        elif len(name) > 200:
            errors.setdefault("name", []).append(_("Keep this under %(max)d characters.") % {"max": 200})
        values["name"] = name
    if "slug" in data or creating:
        slug = data.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug.strip()):
            errors.setdefault("slug", []).append(_("Use lower-case letters, digits and hyphens (at most 80)."))
        else:
            values["slug"] = slug.strip()
    if "language" in data:
        language = data["language"] or ""
        if language not in ("", *engine.LANGUAGES):
            errors.setdefault("language", []).append(_("Use one of: %(values)s.") % {"values": ", ".join(engine.LANGUAGES)})
        else:
            values["language"] = language
    for key, limit in LOCALIZED.items():
        if key in data:
            values[key] = engine.clean_localized(data[key], limit=limit, required=False, path=key, errors=errors) or {}
    for key in BOOLEANS:
        if key in data:
            if not isinstance(data[key], bool):
                errors.setdefault(key, []).append(_("Use true or false."))
            else:
                values[key] = data[key]
    if "fields" in data or creating:
        fields, field_errors = engine.clean_field_definitions(data.get("fields"), known_properties())
        errors.update(field_errors)
        values["fields"] = fields
    if "source_type" in data:
        values["source_type"] = _choice(data["source_type"], SourceType, "source_type", errors)
    if "channel" in data:
        values["channel"] = _choice(data["channel"], Channel, "channel", errors)
    if "redirect_url" in data:
        values["redirect_url"] = _clean_redirect(data["redirect_url"], errors)
    if "notify_emails" in data:
        values["notify_emails"] = _clean_notify(data["notify_emails"], errors)
    consent_enabled = values.get("consent_enabled", current.consent_enabled if current else False)
    consent_text = values.get("consent_text", current.consent_text if current else {})
    if consent_enabled and not consent_text:
        errors.setdefault("consent_text", []).append(_("Write the consent text the visitor agrees to."))
    if values.get("double_opt_in", current.double_opt_in if current else False) and not consent_enabled:
        errors.setdefault("double_opt_in", []).append(_("Double opt-in confirms a consent: show the consent checkbox too."))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return values


def _slug_taken() -> Conflict:
    return Conflict(_("Another form already uses this slug."), fields={"slug": [_("Already used by another form.")]})


def form_create(*, data: dict[str, Any], actor: Actor) -> Form:
    values = clean_form_data(data, creating=True)
    now = clock.now()
    form = Form(created_at=now, updated_at=now, created_by=actor.user if getattr(actor.user, "pk", None) else None, **values)
    try:
        with transaction.atomic():
            form.save()
    except IntegrityError:
        raise _slug_taken() from None
    forget_form(form.slug)
    return form


def form_update(*, slug: str, data: dict[str, Any], actor: Actor) -> Form:
    try:
        with transaction.atomic():
            form = Form.objects.select_for_update().filter(slug=slug).first()
            if form is None:
                raise NotFound(_("Form not found."))
            values = clean_form_data(data, creating=False, current=form)
            forget_form(form.slug)
            for key, value in values.items():
                setattr(form, key, value)
            form.updated_at = clock.now()
            form.save()
    except IntegrityError:
        raise _slug_taken() from None
    forget_form(form.slug)
    return form


@transaction.atomic
def form_delete(*, slug: str, actor: Actor) -> None:
    """Only a form nobody submitted can be deleted: submissions are records to keep."""
    form = Form.objects.select_for_update().filter(slug=slug).first()
    if form is None:
        raise NotFound(_("Form not found."))
    if form.submissions.exists():
        raise Conflict(_("This form has submissions, which are kept; deactivate the form instead."))
    form.delete()
    forget_form(slug)
