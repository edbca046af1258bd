"""Writes for email templates (create, change, delete: each checked in full first, so a
refused write changes nothing) and previews (a template, saved or not, rendered for one
contact with the caller's data).

A template's subject, preheader and body are checked when saved (language.validate): they
compile, use only allowed statements, and name only known variables; the errors name the
variable and its line, by field.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed, merge_field_errors
from sarnakh.core.normalize import clean_display_text
from sarnakh.mail.content import language, selectors
from sarnakh.mail.content.blocks import services as block_services
from sarnakh.mail.content.models import EmailTemplate
from sarnakh.mail.content.render import RenderedEmail, TemplateLimit, TemplateSource, render_email

MAX_NAME = 200
MAX_SUBJECT = 500
MAX_HTML = language.MAX_SOURCE
MAX_DATA = 50_000  # characters of the caller's data, as JSON-ish text
_TOPIC = re.compile(r"^[-a-z0-9_]{0,40}$")

FIELDS = ("name", "subject", "preheader", "html", "language", "topic", "kind")
KEEP: Any = object()  # template_update: leave the blocks as they are


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    name = clean_display_text(values.get("name") if isinstance(values.get("name"), str) else "")
    if not name:
        errors["name"] = [_("Give the template a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(n)s characters.") % {"n": MAX_NAME}]
    clean["name"] = name
    for field, required, limit in (("subject", True, MAX_SUBJECT), ("preheader", False, MAX_SUBJECT), ("html", True, MAX_HTML)):
        raw = values.get(field)
        text = raw if isinstance(raw, str) else ""
        text = text.strip() if field != "html" else text
        clean[field] = text
        if required and not text.strip():
            errors[field] = [_("This field is required.")]
        elif len(text) > limit:
            errors[field] = [_("At most %(n)s characters.") % {"n": limit}]
        else:
            problems = language.validate(text)
            if problems:
                errors[field] = [str(p) for p in problems[:10]]
    if values.get("language") not in EmailTemplate.Language.values:
        errors["language"] = [_("Use one of: %(values)s.") % {"values": ", ".join(EmailTemplate.Language.values)}]
    clean["language"] = values.get("language")
    if values.get("kind") not in EmailTemplate.Kind.values:
        errors["kind"] = [_("Use one of: %(values)s.") % {"values": ", ".join(EmailTemplate.Kind.values)}]
    clean["kind"] = values.get("kind")
    topic = values.get("topic") if isinstance(values.get("topic"), str) else ""
    topic = topic.strip().lower()
    if not _TOPIC.match(topic):
        errors["topic"] = [_("A topic key: up to 40 lower-case letters, digits, - and _.")]
    clean["topic"] = topic
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return clean


def _with_blocks(values: dict[str, Any], blocks: Any, *, lock: bool = False) -> tuple[dict[str, Any], set[int]]:
    """`values` with the HTML body made from `blocks` (a block template), or as given (None)."""
    if blocks is None:
        return values, set()
    lang = values.get("language") if values.get("language") in EmailTemplate.Language.values else "en"
    html, references = block_services.body_from_blocks(blocks, lang=lang, lock=lock)
    return {**values, "html": html}, references


def _clean_with_blocks(values: dict[str, Any], blocks: Any) -> tuple[dict[str, Any], set[int]]:
    """_clean of `values` with the body made from `blocks` (if any): the blocks' errors and
    the other fields' errors are reported together."""
    block_errors: dict[str, list[str]] = {}
    references: set[int] = set()
    try:
        values, references = _with_blocks(values, blocks, lock=True)
    except ValidationFailed as exc:
        block_errors = exc.fields
        values = {**values, "html": "-"}  # the body is the blocks' problem, reported above
    try:
        clean = _clean(values)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, fields=merge_field_errors(exc.fields, block_errors)) from None
    if block_errors:
        raise ValidationFailed(_("Some blocks are not valid."), fields=block_errors)
    return clean, references


def template_create(*, name: str, subject: str, html: str = "", preheader: str = "", language: str = "en",
                    topic: str = "", kind: str = EmailTemplate.Kind.MARKETING, blocks: Any = None) -> EmailTemplate:
    """A template written as HTML, or (`blocks` given) made with the block editor: its HTML
    body is then generated from the blocks (`html` is ignored)."""
    values = {"name": name, "subject": subject, "preheader": preheader, "html": html, "language": language,
              "topic": topic, "kind": kind}
    with transaction.atomic():
        clean, references = _clean_with_blocks(values, blocks)
        now = clock.now()
        template = EmailTemplate.objects.create(created_at=now, updated_at=now, blocks=blocks, **clean)
        block_services.uses_set(template_id=template.pk, saved_block_ids=references)
    return template


def template_update(*, template_id: int, blocks: Any = KEEP, **changes: Any) -> EmailTemplate:
    """Changes the fields given (None: kept). A block template's HTML is re-made from its
    blocks (new ones, or the kept ones in a changed language); `blocks=None` turns it into
    an HTML template for good (its HTML is kept, or the `html` given), the one-way switch.
    Sending `html` alone for a block template is refused."""
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown template fields {sorted(unknown)}")
    with transaction.atomic():
        template = EmailTemplate.objects.select_for_update().filter(pk=template_id).first()
        if template is None:
            raise NotFound(_("No email template with the id %(id)s.") % {"id": template_id})
        current = {field: getattr(template, field) for field in FIELDS}
        values = {**current, **{k: v for k, v in changes.items() if v is not None}}
        if blocks is KEEP:
            if template.blocks is not None and changes.get("html") is not None:
                raise ValidationFailed(_("Some fields are not valid."), fields={"html": [
                    _("This template is edited as blocks: change its blocks, or switch it to HTML source first.")]})
            blocks = template.blocks
        clean, references = _clean_with_blocks(values, blocks)
        for field, value in clean.items():
            setattr(template, field, value)
        template.blocks = blocks
        template.updated_at = clock.now()
        template.save()
        block_services.uses_set(template_id=template.pk, saved_block_ids=references)
    return template


def template_delete(*, template_id: int) -> None:
    deleted, _rows = EmailTemplate.objects.filter(pk=template_id).delete()
    if not deleted:
        raise NotFound(_("No email template with the id %(id)s.") % {"id": template_id})


def _data(data: Any) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValidationFailed(_("Some fields are not valid."), fields={"data": [_("An object of names and values.")]})
    if len(repr(data)) > MAX_DATA:
        raise ValidationFailed(_("Some fields are not valid."), fields={"data": [_("At most %(n)s characters.") % {"n": MAX_DATA}]})
    return data


def _values(contact_id: int | None, data: Any) -> dict[str, Any]:
    values = selectors.contact_values(contact_id)
    if values is None:
        if contact_id is not None:
            raise NotFound(_("No contact with the id %(id)s.") % {"id": contact_id})
        values = {}
    return {**values, "data": _data(data)}


def render_for(source: TemplateSource, *, contact_id: int | None = None, data: Any = None) -> RenderedEmail:
    """`source` rendered for a contact (None: the first contact, or no contact at all) and
    the caller's data. A template that breaks a bound is refused (ValidationFailed on `html`)."""
    values = _values(contact_id, data)
    try:
        return render_email(source, values)
    except TemplateLimit as exc:
        raise ValidationFailed(_("The template cannot be rendered."), fields={"html": [str(exc)]}) from None


def template_preview(*, template_id: int, contact_id: int | None = None, data: Any = None) -> RenderedEmail:
    template = selectors.template_get(template_id)
    if template is None:
        raise NotFound(_("No email template with the id %(id)s.") % {"id": template_id})
    source = TemplateSource(subject=template.subject, preheader=template.preheader, html=template.html,
                            language=template.language)
    return render_for(source, contact_id=contact_id, data=data)


def draft_preview(*, values: dict[str, Any], contact_id: int | None = None,
                  blocks: Any = None) -> tuple[RenderedEmail | None, dict[str, list[str]]]:
    """The editor's live preview of unsaved values: (the message, {}) or (None, errors by
    field) when the text does not validate or render. With `blocks` (the block editor) the
    body is made from them; their errors are keyed by the block's path."""
    if blocks is not None:
        try:
            values, _references = _with_blocks(values, blocks)
        except ValidationFailed as exc:
            return None, exc.fields
    try:
        clean = _clean({"name": values.get("name") or "-", **{k: values.get(k) for k in FIELDS if k != "name"}})
    except ValidationFailed as exc:
        fields = {k: v for k, v in exc.fields.items() if k in {"subject", "preheader", "html", "language"}}
        if fields:
            return None, fields
        clean = {"subject": values.get("subject") or "", "preheader": values.get("preheader") or "",
                  "html": values.get("html") or "", "language": values.get("language") or "en"}
    source = TemplateSource(subject=clean["subject"], preheader=clean["preheader"], html=clean["html"],
                            language=clean["language"] if clean["language"] in EmailTemplate.Language.values else "en")
    try:
        return render_for(source, contact_id=contact_id), {}
    except (ValidationFailed, NotFound) as exc:
        return None, exc.fields or {"html": [exc.message]}
