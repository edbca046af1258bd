"""The block document: what the block editor saves in EmailTemplate.blocks (and a saved
block in SavedBlock.blocks), its schema and its validation.

    {"version": 1, "background": "#f1f5f9",
     "blocks": [{"type": "heading", "text": "Hello {{ contact.first_name | default('friend') }}"},
                {"type": "text", "text": "Our <b>news</b>: <a href=\"https://example.com\">read</a>"},
                {"type": "columns", "columns": [[{"type": "image", "src": "https://…", "alt": "…"}],
                                                [{"type": "saved", "id": 3}]]}]}

Block types (BLOCK_FIELDS): heading, text (b, i, a href, br: inline.py), image, button,
columns (2 or 3, each a list of blocks; no columns inside columns), divider, spacer, and
`saved` (a reference to a saved block, rendered with its current content). Bounded: at
most MAX_BLOCKS blocks in all, nesting MAX_DEPTH deep, each text MAX_TEXT characters.

`validate_document` returns every problem as a BlockError naming the block's path
(`blocks[2].columns[1][0]`) and field, so the editor shows it on the block and the API
reports it under that key. Text with personalisation is checked by language.validate.

Pure: no ORM.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sarnakh.core.ui.formatting import format_number
from sarnakh.mail.content import language
from sarnakh.mail.content.blocks import inline

VERSION = 1
MAX_BLOCKS = 200
MAX_DEPTH = 3
MAX_TEXT = 20_000
MAX_LABEL = 200
MAX_ALT = 500
MAX_ERRORS = 50
ALIGNS = ("", "left", "center", "right")
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# type → its fields (besides "type"); anything else in a block is refused.
BLOCK_FIELDS: dict[str, tuple[str, ...]] = {
    "heading": ("text", "level", "align", "color"),
    "text": ("text", "align"),
    "image": ("src", "alt", "width", "href", "align"),
    "button": ("label", "href", "background", "color", "align"),
    "columns": ("columns",),
    "divider": ("color",),
    "spacer": ("height",),
    "saved": ("id",),
}
TYPES = tuple(BLOCK_FIELDS)


@dataclass(frozen=True)
class BlockError:
    """One problem: where (`path` of the block, "" for the document; `field` of it) and what."""

    path: str
    field: str
    message: str

    @property
    def key(self) -> str:
        """`blocks[2].columns[1][0].href`: the path and field, as the API reports it."""
        base = self.path or "blocks"
        return f"{base}.{self.field}" if self.field else base

    def __str__(self) -> str:
        return f"{describe_path(self.path)}: {self.message}" if self.path else self.message


_STEP = re.compile(r"blocks\[(\d+)\]|\.columns\[(\d+)\]\[(\d+)\]")


def describe_path(path: str) -> str:
    """`blocks[2].columns[1][0]` → "Block 3 › column 2 › block 1" (1-based, for people)."""
    parts = []
    for match in _STEP.finditer(path):
        if match.group(1) is not None:
            parts.append(_("Block %(n)s") % {"n": format_number(int(match.group(1)) + 1)})
        else:
            parts.append(_("column %(n)s") % {"n": format_number(int(match.group(2)) + 1)})
            parts.append(_("block %(n)s") % {"n": format_number(int(match.group(3)) + 1)})
    return " › ".join(parts) or _("Blocks")


class _Checker:
    def __init__(self, *, saved_ids: set[int] | None, allow_saved: bool):
        self.errors: list[BlockError] = []
        self.count = 0
        self.saved_ids = saved_ids
        self.allow_saved = allow_saved
        self.references: set[int] = set()

    def error(self, path: str, field: str, message: str) -> None:
        error = BlockError(path, field, message)
        if len(self.errors) < MAX_ERRORS and error not in self.errors:
            self.errors.append(error)

    def template_text(self, path: str, field: str, text: str) -> None:
        for problem in language.validate(text)[:3]:
            self.error(path, field, str(problem))

    def text(self, path: str, block: dict, field: str, *, required: bool, limit: int = MAX_TEXT) -> str:
        value = block.get(field, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.error(path, field, _("Text is expected."))
            return ""
        if required and not value.strip():
            self.error(path, field, _("This field is required."))
        elif len(value) > limit:
            self.error(path, field, _("At most %(n)s characters.") % {"n": format_number(limit)})
        else:
            self.template_text(path, field, value)
        return value

    def integer(self, path: str, block: dict, field: str, low: int, high: int, *, required: bool = False) -> None:
        value = block.get(field)
        if value is None and not required:
            return
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.error(path, field, _("A whole number from %(low)s to %(high)s.") % {
                "low": format_number(low), "high": format_number(high)})

    def colour(self, path: str, block: dict, field: str) -> None:
        value = block.get(field)
        if value not in (None, "") and (not isinstance(value, str) or not HEX_COLOUR.match(value)):
            self.error(path, field, _("A colour like #1d4ed8."))

    def align(self, path: str, block: dict) -> None:
        if block.get("align") not in (None, *ALIGNS):
            self.error(path, "align", _("Use one of: %(values)s.") % {"values": "left, center, right"})

    def url(self, path: str, block: dict, field: str, *, required: bool, schemes: tuple[str, ...] = inline.LINK_SCHEMES) -> None:
        value = block.get(field)
        if value is None:
            value = ""
        if value == "" and not required:
            return
        if not isinstance(value, str):
            self.error(path, field, _("Text is expected."))
            return
        problem = inline.url_problem(value.strip(), schemes)
        if problem:
            self.error(path, field, problem)
        else:
            self.template_text(path, field, value)

    def blocks(self, items: Any, path: str, depth: int, *, in_columns: bool) -> None:
        if not isinstance(items, list):
            self.error(path, "", _("A list of blocks is expected."))
            return
        if depth > MAX_DEPTH:
            self.error(path, "", _("Blocks are nested at most %(n)s deep.") % {"n": format_number(MAX_DEPTH)})
            return
        for index, block in enumerate(items):
            self.count += 1
            if self.count > MAX_BLOCKS:
                self.error("", "", _("At most %(n)s blocks.") % {"n": format_number(MAX_BLOCKS)})
                return
            self.block(block, f"{path}[{index}]", depth, in_columns=in_columns)

    def block(self, block: Any, path: str, depth: int, *, in_columns: bool) -> None:
        if not isinstance(block, dict):
            self.error(path, "", _("A block is an object with a type."))
            return
        kind = block.get("type")
        if kind not in BLOCK_FIELDS:
            self.error(path, "type", _("Unknown block type “%(type)s”; use one of: %(types)s.") % {
                "type": str(kind)[:40], "types": ", ".join(TYPES)})
            return
        unknown = sorted(str(k) for k in block if k != "type" and k not in BLOCK_FIELDS[kind])
        for field in unknown[:5]:
            self.error(path, field[:40], _("Unknown field “%(field)s” for a %(type)s block.") % {"field": field[:40], "type": kind})
        if kind == "heading":
            self.text(path, block, "text", required=True, limit=MAX_LABEL * 5)
            self.integer(path, block, "level", 1, 3)
            self.align(path, block)
            self.colour(path, block, "color")
        elif kind == "text":
            value = self.text(path, block, "text", required=True)
            for problem in inline.clean_inline(value)[1][:5]:
                self.error(path, "text", problem)
            self.align(path, block)
        elif kind == "image":
            self.url(path, block, "src", required=True, schemes=inline.IMAGE_SCHEMES)
            self.text(path, block, "alt", required=False, limit=MAX_ALT)
            self.integer(path, block, "width", 20, 600)
            self.url(path, block, "href", required=False)
            self.align(path, block)
        elif kind == "button":
            self.text(path, block, "label", required=True, limit=MAX_LABEL)
            self.url(path, block, "href", required=True)
            self.colour(path, block, "background")
            self.colour(path, block, "color")
            self.align(path, block)
        elif kind == "columns":
            columns = block.get("columns")
            if in_columns:
                self.error(path, "columns", _("Columns cannot be placed inside columns."))
            elif not isinstance(columns, list) or len(columns) not in (2, 3):
                self.error(path, "columns", _("Two or three columns, each a list of blocks."))
            else:
                for number, column in enumerate(columns):
                    self.blocks(column, f"{path}.columns[{number}]", depth + 1, in_columns=True)
        elif kind == "divider":
            self.colour(path, block, "color")
        elif kind == "spacer":
            self.integer(path, block, "height", 4, 200)
        elif kind == "saved":
            ident = block.get("id")
            if not self.allow_saved:
                self.error(path, "id", _("A saved block cannot contain another saved block."))
            elif isinstance(ident, bool) or not isinstance(ident, int) or ident <= 0:
                self.error(path, "id", _("The id of a saved block is expected."))
            elif self.saved_ids is not None and ident not in self.saved_ids:
                self.error(path, "id", _("No saved block with the id %(id)s.") % {"id": ident})
            else:
                self.references.add(ident)


@dataclass(frozen=True)
class Checked:
    errors: list[BlockError]
    references: set[int]  # the saved blocks the document refers to


def validate_document(document: Any, *, saved_ids: set[int] | None = None, allow_saved: bool = True) -> Checked:
    """Every problem of `document` (none: it can be saved) and the saved blocks it refers to.
    `saved_ids`: the saved blocks that exist (None: not checked); `allow_saved=False` for a
    saved block's own content (no references inside references)."""
    checker = _Checker(saved_ids=saved_ids, allow_saved=allow_saved)
    if not isinstance(document, dict):
        checker.error("", "", _("A block document is an object with a list of blocks."))
        return Checked(checker.errors, set())
    unknown = sorted(str(k) for k in document if k not in {"version", "blocks", "background"})
    if unknown:
        checker.error("", "", _("Unknown document field “%(field)s”.") % {"field": unknown[0][:40]})
    if document.get("version", VERSION) != VERSION:
        checker.error("", "", _("Unknown document version; this is version %(n)s.") % {"n": VERSION})
    checker.colour("", document, "background")
    blocks = document.get("blocks")
    if not blocks:
        checker.error("", "", _("Add at least one block."))
    else:
        checker.blocks(blocks, "blocks", 1, in_columns=False)
    return Checked(checker.errors, checker.references)


def references(document: Any) -> set[int]:
    """The saved blocks a (valid) document refers to."""
    return validate_document(document).references


def empty_document() -> dict[str, Any]:
    return {"version": VERSION, "blocks": []}
