"""Writes of the block editor: a block document made into a template's HTML body, which
saved blocks a template uses, and saved blocks (create, change, delete).

By reference: a template that uses a saved block renders its current content. Changing a
saved block re-makes, in the same transaction, the HTML of every template that uses it
(found through SavedBlockUse), so what is sent is always what the saved block says now;
a change that would break one of them (too large a message) is refused, naming it. A saved
block in use cannot be deleted (409, naming the templates).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.ui.formatting import format_number
from sarnakh.mail.content import language
from sarnakh.mail.content.blocks import document as doc
from sarnakh.mail.content.blocks.models import SavedBlock, SavedBlockUse
from sarnakh.mail.content.blocks.render import render_document
from sarnakh.mail.content.models import EmailTemplate

MAX_NAME = 200
MAX_HTML = language.MAX_SOURCE
MAX_USES_SHOWN = 5


def _failed(errors: list[doc.BlockError]) -> ValidationFailed:
    fields: dict[str, list[str]] = {}
    for error in errors:
        fields.setdefault(error.key, []).append(str(error))
    return ValidationFailed(_("Some blocks are not valid."), fields=fields)


def _saved_content(ids: set[int], *, lock: bool = False) -> dict[int, list]:
    if not ids:
        return {}
    rows = SavedBlock.objects.filter(pk__in=ids).order_by("pk")
    return dict((rows.select_for_update() if lock else rows).values_list("pk", "blocks"))


def _html(document: dict[str, Any], *, lang: str, saved: dict[int, list]) -> str:
    html = render_document(document, language=lang, saved=saved)
    if len(html) > MAX_HTML:
        raise ValidationFailed(_("Some blocks are not valid."), fields={"blocks": [
            _("The blocks make a message of %(size)s characters; at most %(n)s: use fewer blocks.") % {
                "size": format_number(len(html)), "n": format_number(MAX_HTML)}]})
    return html


def body_from_blocks(document: Any, *, lang: str, lock: bool = False) -> tuple[str, set[int]]:
    """A block document checked in full and made into the template's HTML body: (html, the
    saved blocks it refers to). Raises ValidationFailed with each problem under its block's
    path (`blocks[2].columns[1][0].href`). `lock` (inside a template's write): the saved
    blocks used are locked until it commits, so a saved block's change made meanwhile
    either is rendered here or re-makes this template after it (it then sees the use)."""
    references = doc.validate_document(document).references
    saved = _saved_content(references, lock=lock)
    checked = doc.validate_document(document, saved_ids=set(saved))
    if checked.errors:
        raise _failed(checked.errors)
    return _html(document, lang=lang, saved=saved), checked.references


def uses_set(*, template_id: int, saved_block_ids: set[int]) -> None:
    """The saved blocks a template uses (inside the template's write)."""
    SavedBlockUse.objects.filter(template_id=template_id).exclude(saved_block_id__in=saved_block_ids).delete()
    have = set(SavedBlockUse.objects.filter(template_id=template_id).values_list("saved_block_id", flat=True))
    SavedBlockUse.objects.bulk_create([SavedBlockUse(template_id=template_id, saved_block_id=i)
                                       for i in sorted(saved_block_ids - have)])


def _clean_saved(name: Any, blocks: Any) -> tuple[str, list]:
    errors: dict[str, list[str]] = {}
    name = clean_display_text(name if isinstance(name, str) else "")
    if not name:
        errors["name"] = [_("Give the saved block a name.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_("At most %(n)s characters.") % {"n": MAX_NAME}]
    checked = doc.validate_document({"blocks": blocks}, allow_saved=False)
    for error in checked.errors:
        errors.setdefault(error.key, []).append(str(error))
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return name, blocks


def saved_block_create(*, name: str, blocks: list) -> SavedBlock:
    name, blocks = _clean_saved(name, blocks)
    now = clock.now()
    return SavedBlock.objects.create(name=name, blocks=blocks, created_at=now, updated_at=now)


def saved_block_update(*, saved_block_id: int, name: str | None = None, blocks: list | None = None) -> SavedBlock:
    """Changes the name and/or content; every template that uses the block gets its HTML
    re-made from the new content in the same transaction."""
    with transaction.atomic():
        saved = SavedBlock.objects.select_for_update().filter(pk=saved_block_id).first()
        if saved is None:
            raise NotFound(_("No saved block with the id %(id)s.") % {"id": saved_block_id})
        saved.name, saved.blocks = _clean_saved(saved.name if name is None else name, saved.blocks if blocks is None else blocks)
        saved.updated_at = clock.now()
        saved.save()
        if blocks is not None:
            _rerender_users(saved.pk)
    return saved


def _rerender_users(saved_block_id: int) -> None:
    template_ids = SavedBlockUse.objects.filter(saved_block_id=saved_block_id).values_list("template_id", flat=True)
    # One pass over the templates that use it (a finite set of rows, read in chunks).
    for template in EmailTemplate.objects.select_for_update().filter(pk__in=template_ids, blocks__isnull=False).iterator(chunk_size=100):
        references = doc.references(template.blocks)
        try:
            template.html = _html(template.blocks, lang=template.language, saved=_saved_content(references))
        except ValidationFailed as exc:
            message = _("The template “%(name)s” would break: %(error)s") % {
                "name": template.name, "error": " ".join(exc.fields.get("blocks", []))}
            raise ValidationFailed(message, fields={"blocks": [message]}) from None
        template.save(update_fields=["html"])


def saved_block_delete(*, saved_block_id: int) -> None:
    with transaction.atomic():
        saved = SavedBlock.objects.select_for_update().filter(pk=saved_block_id).first()
        if saved is None:
            raise NotFound(_("No saved block with the id %(id)s.") % {"id": saved_block_id})
        users = list(EmailTemplate.objects.filter(pk__in=saved.uses.values("template_id")).order_by("name")
                     .values_list("name", flat=True)[: MAX_USES_SHOWN + 1])
        if users:
            names = ", ".join(f"“{name}”" for name in users[:MAX_USES_SHOWN])
            raise Conflict(_("The saved block is used by %(templates)s: take it out of them first.") % {
                "templates": names + ("…" if len(users) > MAX_USES_SHOWN else "")})
        saved.delete()
