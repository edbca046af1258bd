"""The block editor's pages: a template made of blocks (new, edit, switch to HTML source),
its live preview, and saved blocks (list, new, edit, delete).

The editor itself is a small script (static/mail/blocks/editor.js) that keeps the block
document as JSON in a hidden `blocks` field; these views read that field, save through the
services and re-render the form (422) with each error on the block it names. Without the
script the page still shows the saved document's fields and errors, but cannot edit blocks.

Who: the `mail.manage` capability (admins and marketers).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.core.errors import DomainError, ValidationFailed
from sarnakh.core.ui.permissions import require
from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.blocks import document as doc
from sarnakh.mail.content.blocks import selectors, services
from sarnakh.mail.content.models import EmailTemplate

CAPABILITY = "mail.manage"
FIELDS = ("name", "subject", "preheader", "language", "topic", "kind")
PREVIEW_FIELDS = ("subject", "preheader", "language", "blocks")
MAX_BLOCKS_JSON = 1_000_000  # characters of the posted document

STARTER = {
    "en": {"version": 1, "blocks": [
        {"type": "heading", "text": 'Hello {{ contact.first_name | default("there") }},'},
        {"type": "text", "text": "Write your message here. Use <b>bold</b>, <i>italic</i> and "
                                 '<a href="https://example.com/">links</a>.'},
        {"type": "button", "label": "Read more", "href": "https://example.com/"},
    ]},
    "fa": {"version": 1, "blocks": [
        {"type": "heading", "text": 'سلام {{ contact.first_name | default("دوست عزیز") }}،'},
        {"type": "text", "text": "پیام خود را اینجا بنویسید. از <b>پررنگ</b>، <i>کج</i> و "
                                 '<a href="https://example.com/">پیوند</a> استفاده کنید.'},
        {"type": "button", "label": "بیشتر بخوانید", "href": "https://example.com/"},
    ]},
}


def _parse_blocks(raw: Any) -> Any:
    text = str(raw or "")
    if len(text) > MAX_BLOCKS_JSON:
        raise ValidationFailed(_("Some blocks are not valid."), fields={"blocks": [_("At most %(n)s characters.") % {"n": MAX_BLOCKS_JSON}]})
    try:
        return json.loads(text) if text else doc.empty_document()
    except ValueError:
        raise ValidationFailed(_("Some blocks are not valid."), fields={"blocks": [_("The blocks could not be read.")]}) from None


def _split_errors(fields: dict[str, list[str]]) -> tuple[dict[str, list[str]], list[dict[str, str]]]:
    """(errors of the form's fields, errors of blocks as [{"key", "message"}] for the editor)."""
    plain: dict[str, list[str]] = {}
    blocks: list[dict[str, str]] = []
    for key, messages_list in fields.items():
        if key.startswith("blocks["):
            blocks += [{"key": key, "message": m} for m in messages_list]
        elif key == "html":
            plain.setdefault("blocks", []).extend(messages_list)
        else:
            plain.setdefault(key, []).extend(messages_list)
    return plain, blocks


def _saved_choices() -> list[dict[str, Any]]:
    return [{"id": s.pk, "name": s.name} for s in selectors.saved_block_list()]


def _editor(request, template: EmailTemplate | None, values: dict[str, Any], blocks: Any,
            errors: dict[str, list[str]], status: int = 200):
    plain, block_errors = _split_errors(errors)
    choices = content_selectors.preview_contact_choices()
    chosen = request.POST.get("preview_contact") if request.method == "POST" else request.GET.get("contact")
    chosen_id = int(chosen) if str(chosen or "").isdigit() and 0 < len(str(chosen)) < 12 else None
    context = {
        "template": template, "values": values, "errors": plain, "block_errors": block_errors,
        "blocks_json": json.dumps(blocks, ensure_ascii=False), "saved_blocks": _saved_choices(),
        "languages": EmailTemplate.Language.choices, "kinds": EmailTemplate.Kind.choices, "contact_choices": choices,
        "preview_contact": chosen_id or (choices[0][0] if choices else None), "allow_saved": True,
        "strings": editor_strings(),
    }
    return render(request, "mail/content/blocks/edit.html", context, status=status)


def _values_from_post(post) -> dict[str, Any]:
    return {field: post.get(field, "") for field in FIELDS}


@require(CAPABILITY)
def template_new(request):
    if request.method == "POST":
        values = _values_from_post(request.POST)
        blocks: Any = request.POST.get("blocks", "")
        try:
            blocks = _parse_blocks(blocks)
            template = content_services.template_create(**values, blocks=blocks)
        except DomainError as exc:
            return _editor(request, None, values, blocks, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Template saved."))
        return redirect("email_templates:edit", template_id=template.pk)
    lang = "fa" if (get_language() or "").startswith("fa") else "en"
    values = {"name": "", "subject": "", "preheader": "", "language": lang, "topic": "", "kind": EmailTemplate.Kind.MARKETING}
    return _editor(request, None, values, STARTER[lang], {})


def template_edit(request, template: EmailTemplate):
    """The editor of a block template (content.views.template_edit sends it here)."""
    if request.method == "POST":
        values = _values_from_post(request.POST)
        blocks: Any = request.POST.get("blocks", "")
        try:
            blocks = _parse_blocks(blocks)
            content_services.template_update(template_id=template.pk, blocks=blocks, **values)
        except DomainError as exc:
            return _editor(request, template, values, blocks, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Template saved."))
        return redirect("email_templates:edit", template_id=template.pk)
    values = {field: getattr(template, field) for field in FIELDS}
    return _editor(request, template, values, template.blocks, {})


@require(CAPABILITY)
@require_POST
def template_to_html(request, template_id: int):
    """The one-way switch: the template keeps its generated HTML and is edited as source."""
    try:
        content_services.template_update(template_id=template_id, blocks=None)
    except DomainError as exc:
        raise Http404 from exc
    messages.warning(request, _("The template is now edited as HTML source; its blocks are gone."))
    return redirect("email_templates:edit", template_id=template_id)


def _preview_answer(request, document: Any, values: dict[str, Any], slots: tuple[str, ...] = PREVIEW_FIELDS):
    contact = request.POST.get("preview_contact")
    contact_id = int(contact) if str(contact or "").isdigit() and 0 < len(str(contact)) < 12 else None
    try:
        email, errors = content_services.draft_preview(values=values, contact_id=contact_id, blocks=document)
    except ValidationFailed as exc:
        email, errors = None, exc.fields
    plain, block_errors = _split_errors(errors)
    context = {"email": email, "field_errors": [(field, plain.get(field, [])) for field in slots],
               "block_errors": block_errors}
    return render(request, "mail/content/blocks/_preview.html", context)


@require(CAPABILITY)
@require_POST
def template_preview(request):
    values = {field: request.POST.get(field, "") for field in ("subject", "preheader", "language")}
    try:
        document = _parse_blocks(request.POST.get("blocks", ""))
    except ValidationFailed as exc:
        return render(request, "mail/content/blocks/_preview.html", {
            "email": None, "field_errors": [("blocks", exc.fields.get("blocks", []))], "block_errors": []})
    return _preview_answer(request, document, values)


# Saved blocks

def _saved_editor(request, saved, name: str, blocks: Any, errors: dict[str, list[str]], status: int = 200):
    plain, block_errors = _split_errors(errors)
    choices = content_selectors.preview_contact_choices()
    counts = selectors.saved_block_use_counts()
    context = {"saved": saved, "name": name, "errors": plain, "block_errors": block_errors,
               "blocks_json": json.dumps({"version": doc.VERSION, "blocks": blocks if isinstance(blocks, list) else []},
                                         ensure_ascii=False),
               "used_by": counts.get(saved.pk, 0) if saved else 0, "contact_choices": choices,
               "preview_contact": choices[0][0] if choices else None, "allow_saved": False,
               "language": "fa" if (get_language() or "").startswith("fa") else "en", "strings": editor_strings(),
               "saved_blocks": []}
    return render(request, "mail/content/blocks/saved_edit.html", context, status=status)


def _posted_saved(request) -> tuple[str, Any]:
    document = _parse_blocks(request.POST.get("blocks", ""))
    return request.POST.get("name", ""), document.get("blocks") if isinstance(document, dict) else document


@require(CAPABILITY)
def saved_block_list(request):
    counts = selectors.saved_block_use_counts()
    rows = [(s, counts.get(s.pk, 0)) for s in selectors.saved_block_list()]
    return render(request, "mail/content/blocks/saved_list.html", {"rows": rows})


@require(CAPABILITY)
def saved_block_new(request):
    if request.method == "POST":
        name, blocks = request.POST.get("name", ""), []
        try:
            name, blocks = _posted_saved(request)
            saved = services.saved_block_create(name=name, blocks=blocks)
        except DomainError as exc:
            return _saved_editor(request, None, name, blocks, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Saved block saved."))
        return redirect("email_templates:saved_edit", saved_block_id=saved.pk)
    starter = [{"type": "text", "text": _("“A quote from a happy customer.”")},
               {"type": "text", "text": "<b>" + _("Name, role at Company") + "</b>"}]
    return _saved_editor(request, None, "", starter, {})


@require(CAPABILITY)
def saved_block_edit(request, saved_block_id: int):
    saved = selectors.saved_block_get(saved_block_id)
    if saved is None:
        raise Http404
    if request.method == "POST":
        name, blocks = request.POST.get("name", ""), saved.blocks
        try:
            name, blocks = _posted_saved(request)
            services.saved_block_update(saved_block_id=saved.pk, name=name, blocks=blocks)
        except DomainError as exc:
            return _saved_editor(request, saved, name, blocks, exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Saved block saved; the templates that use it show the change."))
        return redirect("email_templates:saved_edit", saved_block_id=saved.pk)
    return _saved_editor(request, saved, saved.name, saved.blocks, {})


@require(CAPABILITY)
@require_POST
def saved_block_delete(request, saved_block_id: int):
    try:
        services.saved_block_delete(saved_block_id=saved_block_id)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("email_templates:saved_list")
    messages.success(request, _("Saved block deleted."))
    return redirect("email_templates:saved_list")


@require(CAPABILITY)
@require_POST
def saved_block_preview(request):
    try:
        name, blocks = _posted_saved(request)
    except ValidationFailed as exc:
        return render(request, "mail/content/blocks/_preview.html", {
            "email": None, "field_errors": [("blocks", exc.fields.get("blocks", []))], "block_errors": []})
    checked = doc.validate_document({"blocks": blocks}, allow_saved=False)
    if checked.errors:
        fields: dict[str, list[str]] = {}
        for error in checked.errors:
            fields.setdefault(error.key, []).append(str(error))
        plain, block_errors = _split_errors(fields)
        return render(request, "mail/content/blocks/_preview.html", {
            "email": None, "field_errors": [("blocks", plain.get("blocks", []))], "block_errors": block_errors})
    values = {"subject": name or "-", "preheader": "", "language": request.POST.get("language", "en")}
    return _preview_answer(request, {"version": doc.VERSION, "blocks": blocks}, values, slots=("blocks",))


def editor_strings() -> dict[str, Any]:
    """The editor script's words, in the page's language."""
    return {
        "types": {"heading": _("Heading"), "text": _("Text"), "image": _("Image"), "button": _("Button"),
                  "columns": _("Columns"), "divider": _("Divider"), "spacer": _("Spacer"), "saved": _("Saved block")},
        "fields": {"text": _("Text"), "level": _("Level"), "align": _("Alignment"), "src": _("Image address (https://…)"),
                   "alt": _("Alternative text"), "width": _("Width in pixels (empty: full width)"), "href": _("Link"),
                   "label": _("Label"), "background": _("Button colour"), "color": _("Text colour"),
                   "count": _("Number of columns"), "height": _("Height in pixels"), "id": _("Saved block")},
        "aligns": {"": _("Default"), "left": pgettext("alignment", "Left"), "center": pgettext("alignment", "Centre"),
                   "right": pgettext("alignment", "Right")},
        "levels": {"1": _("Large"), "2": _("Medium"), "3": _("Small")},
        "up": _("Move up"), "down": _("Move down"), "remove": _("Delete"), "edit": _("Edit"),
        "column": _("Column %(n)s"), "add_here": _("Add to this column"), "empty": _("No blocks yet: add one above."),
        "choose": _("Choose a block in the list to edit it."), "nothing": _("Nothing to set for this block."),
        "editing": _("Editing: %(what)s"), "saved_note": _("Its content is edited on the saved block's page and changes every template that uses it."),
        "saved_open": _("Open the saved block"), "missing": _("(no longer there)"), "pixels": _("%(n)s px"),
        "text_help": _("Allowed: <b>bold</b>, <i>italic</i>, <a href=\"https://…\">link</a>; Enter starts a new line. Personalise with {{ contact.first_name | default(\"…\") }}."),
    }
