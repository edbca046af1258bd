"""Blocks → MJML → responsive, email-client-safe HTML (mjml-python: the MRML bindings).

The HTML made here is the template's body: it still carries the blocks' personalisation
(`{{ contact.first_name | default(…) }}`), and goes through the template pipeline like any
HTML body when a message is rendered (content/render.py: personalisation with escaping,
lang/dir and the Persian font stack, the preheader, CSS inlining, the plain-text part).

- Jinja code never reaches MRML: each piece is swapped for a token of letters and digits
  (with a nonce per call) and put back in the HTML MRML returns, so quotes and brackets in
  `default("…")` survive exactly, in text and in attributes alike.
- Everything else a person typed is escaped here (text blocks: inline.clean_inline).
- Persian (`fa`): `dir="rtl"` on the document, sections and columns laid out right to left,
  text aligned right, the Vazirmatn, Tahoma, sans-serif font stack.
- Consecutive blocks share one section; columns get a section of their own. A saved
  block's current content is rendered where it is referred to; columns met inside a
  column (a saved block with columns placed in a column) are stacked, as MJML has no
  nested sections.
- No web fonts are imported (fonts={}), no mj-include can be named (all text is escaped).

Pure: no ORM; the caller passes the saved blocks' content.
"""

from __future__ import annotations

import html as html_lib
import secrets
from collections.abc import Mapping
from typing import Any

from mjml import mjml2html

from sarnakh.mail.content.blocks import inline
from sarnakh.mail.content.render import FONT_STACK_FA, RTL_LANGUAGES

FONT_STACK = "Helvetica, Arial, sans-serif"
WIDTH = 600
TEXT_COLOUR = "#1f2937"
HEADING_SIZES = {1: "28px", 2: "22px", 3: "18px"}
DEFAULT_BUTTON = ("#1d4ed8", "#ffffff")
MAX_RESOLVED = 1000
# A block's own alignment (MJML's align attribute on its cell) wins over the Persian
# defaults content/render.py adds (`td { text-align: right }`, which also stops a browser
# centring a button's or image's table by the attribute): attribute selectors are more
# specific, so css-inline keeps these, and the margins place the inner table.
ALIGN_STYLE = ('td[align="center"] { text-align: center; } td[align="left"] { text-align: left; } '
               'td[align="right"] { text-align: right; } '
               'td[align="center"] > table { margin-left: auto; margin-right: auto; } '
               'td[align="left"] > table { margin-left: 0; margin-right: auto; } '
               'td[align="right"] > table { margin-left: auto; margin-right: 0; } a { color: #1d4ed8; }')  # blocks rendered, saved blocks' content included


class _Tokens:
    """Jinja code swapped for tokens MRML leaves alone, and put back after."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(4)
        self.codes: list[str] = []

    def protect(self, html: str) -> str:
        out = []
        for code, raw in inline.segments(html):
            if code:
                self.codes.append(raw)
                out.append(f"sx{self.nonce}q{len(self.codes) - 1}q")
            else:
                out.append(raw)
        return "".join(out)

    def restore(self, html: str) -> str:
        for index in range(len(self.codes) - 1, -1, -1):  # longest numbers first: q12q before q1q
            html = html.replace(f"sx{self.nonce}q{index}q", self.codes[index])
        return html


def _attr(value: Any) -> str:
    return html_lib.escape(str(value), quote=True)


class _Builder:
    def __init__(self, *, rtl: bool, saved: Mapping[int, Any]):
        self.rtl = rtl
        self.saved = saved
        self.tokens = _Tokens()
        self.rendered = 0

    def align(self, block: dict) -> str:
        value = block.get("align") or ("right" if self.rtl else "left")
        return value if value in ("left", "center", "right") else "left"

    def text_attr(self, text: str) -> str:
        """Plain text in an attribute: escaped, its Jinja code tokenised."""
        return self.tokens.protect(inline.plain(text or "", quote=True))

    def element(self, block: dict) -> str:
        kind = block.get("type")
        if kind == "heading":
            level = block.get("level") if block.get("level") in HEADING_SIZES else 1
            text = self.tokens.protect(inline.plain(" ".join(str(block.get("text", "")).split())))
            colour = block.get("color") or TEXT_COLOUR
            return (f'<mj-text align="{self.align(block)}" font-size="{HEADING_SIZES[level]}" font-weight="700" '
                    f'line-height="1.35" color="{_attr(colour)}" padding-bottom="4px">'
                    f'<h{level} style="margin:0;font-size:inherit;font-weight:inherit;line-height:inherit">{text}</h{level}></mj-text>')
        if kind == "text":
            cleaned, _problems = inline.clean_inline(str(block.get("text", "")))
            return f'<mj-text align="{self.align(block)}">{self.tokens.protect(cleaned)}</mj-text>'
        if kind == "image":
            attrs = [f'src="{self.text_attr(block.get("src", ""))}"', f'alt="{self.text_attr(block.get("alt", ""))}"',
                     f'align="{self.align(block) if block.get("align") else "center"}"']
            if block.get("width"):
                attrs.append(f'width="{int(block["width"])}px"')
            if block.get("href"):
                attrs.append(f'href="{self.text_attr(block["href"])}"')
            return f"<mj-image {' '.join(attrs)} />"
        if kind == "button":
            background = block.get("background") or DEFAULT_BUTTON[0]
            colour = block.get("color") or DEFAULT_BUTTON[1]
            label = self.tokens.protect(inline.plain(" ".join(str(block.get("label", "")).split())))
            align = self.align(block) if block.get("align") else "center"
            return (f'<mj-button href="{self.text_attr(block.get("href", ""))}" background-color="{_attr(background)}" '
                    f'color="{_attr(colour)}" align="{align}" font-size="16px" font-weight="600" border-radius="6px" '
                    f'inner-padding="12px 24px">{label}</mj-button>')
        if kind == "divider":
            return f'<mj-divider border-color="{_attr(block.get("color") or "#e2e8f0")}" border-width="1px" />'
        if kind == "spacer":
            height = block.get("height") if isinstance(block.get("height"), int) else 24
            return f'<mj-spacer height="{int(height)}px" />'
        return ""

    def flat(self, blocks: Any, *, depth: int = 0) -> list[dict]:
        """Blocks with saved references replaced by their content (one level: a saved
        block holds no references) and, inside a column, columns stacked."""
        out: list[dict] = []
        for block in blocks if isinstance(blocks, list) else []:
            if self.rendered >= MAX_RESOLVED:
                break
            if not isinstance(block, dict):
                continue
            if block.get("type") == "saved":
                if depth == 0:
                    out.extend(self.flat(self.saved.get(block.get("id")) or [], depth=depth + 1))
                continue
            self.rendered += 1
            out.append(block)
        return out

    def column_content(self, blocks: Any) -> str:
        parts = []
        for block in self.flat(blocks):
            if block.get("type") == "columns":
                for column in block.get("columns") or []:
                    parts.extend(self.element(inner) for inner in self.flat(column, depth=1) if inner.get("type") != "columns")
            else:
                parts.append(self.element(block))
        return "".join(parts)

    def sections(self, blocks: Any) -> str:
        sections: list[str] = []
        run: list[str] = []

        def close_run() -> None:
            if run:
                sections.append(f'<mj-section background-color="#ffffff"><mj-column>{"".join(run)}</mj-column></mj-section>')
                run.clear()

        for block in self.flat(blocks):
            if block.get("type") == "columns":
                close_run()
                columns = [c for c in (block.get("columns") or [])][:3]
                inner = "".join(f"<mj-column>{self.column_content(c)}</mj-column>" for c in columns)
                sections.append(f'<mj-section background-color="#ffffff">{inner}</mj-section>')
            else:
                run.append(self.element(block))
        close_run()
        return "".join(sections)


def to_mjml(document: Mapping[str, Any], *, language: str = "en", saved: Mapping[int, Any] | None = None) -> tuple[str, _Tokens]:
    rtl = language in RTL_LANGUAGES
    builder = _Builder(rtl=rtl, saved=saved or {})
    direction = "rtl" if rtl else "ltr"
    font = FONT_STACK_FA if rtl else FONT_STACK
    background = document.get("background") or "#f1f5f9"
    head = (f'<mj-head><mj-attributes><mj-all font-family="{_attr(font)}" />'
            f'<mj-text font-size="16px" line-height="1.7" color="{TEXT_COLOUR}" align="{"right" if rtl else "left"}" />'
            f'<mj-section direction="{direction}" /><mj-column direction="{direction}" /></mj-attributes>'
            f'<mj-style>{ALIGN_STYLE}</mj-style></mj-head>')
    body = builder.sections(document.get("blocks"))
    source = (f'<mjml lang="{_attr(language)}" dir="{direction}">{head}'
              f'<mj-body width="{WIDTH}px" background-color="{_attr(background)}">{body}</mj-body></mjml>')
    return source, builder.tokens


def render_document(document: Mapping[str, Any], *, language: str = "en", saved: Mapping[int, Any] | None = None) -> str:
    """The template body for a (validated) block document: whole-document HTML with the
    blocks' Jinja code in place. `saved`: saved block id → its list of blocks."""
    source, tokens = to_mjml(document, language=language, saved=saved)
    return tokens.restore(mjml2html(source, fonts={}))
