"""The rendering pipeline: a template and one recipient's values in, a RenderedEmail out.

1. Subject and preheader: template text without HTML escaping, on one line (no header
   injection: line breaks become spaces), capped at MAX_SUBJECT characters.
2. HTML body: rendered with escaping (language.py: sandboxed, bounded), then made a whole
   document (a fragment is wrapped; a document keeps its head), with `lang` and `dir` on
   <html> and <body> (Persian: `dir="rtl" lang="fa"` and the Vazirmatn, Tahoma, sans-serif
   font stack), the preheader as a hidden span first in the body, and the CSS of <style>
   elements inlined into `style` attributes by css-inline (remote stylesheets never fetched;
   @media rules kept in a <style> for clients that read them).
3. Plain text: from the rendered body (plaintext.py).

Pure: no ORM (pyproject's pure-engines contract).
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass
from typing import Any

import css_inline

from sarnakh.mail.content import language
from sarnakh.mail.content.language import TemplateLimit
from sarnakh.mail.content.plaintext import html_to_text

__all__ = ["RenderedEmail", "TemplateLimit", "TemplateSource", "render_email", "FONT_STACK_FA"]

MAX_SUBJECT = 255
FONT_STACK_FA = "Vazirmatn, Tahoma, sans-serif"
RTL_LANGUAGES = {"fa"}
PREHEADER_STYLE = ("display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;"
                   "overflow:hidden;mso-hide:all;visibility:hidden")

_HTML_TAG = re.compile(r"<html\b[^>]*>", re.I)
_BODY_TAG = re.compile(r"<body\b[^>]*>", re.I)
_HEAD_END = re.compile(r"</head\s*>", re.I)
_LANG_DIR = re.compile(r"\s(?:lang|dir)\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", re.I)
_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")

_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False, keep_at_rules=True, keep_link_tags=False)


@dataclass(frozen=True)
class TemplateSource:
    subject: str
    preheader: str
    html: str
    language: str = "en"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str
    preheader: str


def _one_line(text: str) -> str:
    line = " ".join(_LINE_BREAKS.sub(" ", text).split())
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1].rstrip() + "…"


def _with_lang(tag: str, lang: str, direction: str) -> str:
    bare = _LANG_DIR.sub("", tag[:-1]).rstrip().rstrip("/")
    return f'{bare} lang="{lang}" dir="{direction}">'


def _document(body: str, *, subject: str, preheader: str, lang: str) -> str:
    direction = "rtl" if lang in RTL_LANGUAGES else "ltr"
    style = ""
    if direction == "rtl":
        # First, so the template's own rules (later, or more specific) win when inlined.
        style = (f"<style>body, table, td, th, p, h1, h2, h3, h4, li, a, span, div "
                 f"{{ font-family: {FONT_STACK_FA}; }} body, td, th, p, h1, h2, h3, h4, li {{ direction: rtl; text-align: right; }}</style>")
    if not _HTML_TAG.search(body):
        body = (f'<!doctype html><html><head><meta charset="utf-8">'
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html_lib.escape(subject)}</title></head><body>{body}</body></html>")
    body = _HTML_TAG.sub(lambda m: _with_lang(m.group(0), lang, direction), body, count=1)
    if not _BODY_TAG.search(body):
        body = _HEAD_END.sub(lambda m: m.group(0) + "<body>", body, count=1) if _HEAD_END.search(body) else body
    if style:
        if _HEAD_END.search(body):
            body = _HEAD_END.sub(lambda m: style + m.group(0), body, count=1)
        else:
            body = _HTML_TAG.sub(lambda m: m.group(0) + f"<head>{style}</head>", body, count=1)
    hidden = f'<span class="preheader" style="{PREHEADER_STYLE}">{html_lib.escape(preheader)}</span>' if preheader else ""
    return _BODY_TAG.sub(lambda m: _with_lang(m.group(0), lang, direction) + hidden, body, count=1)


def render_email(source: TemplateSource, context: dict[str, Any]) -> RenderedEmail:
    """One recipient's message. `context`: {"contact": {...}, "company": {...}, "owner":
    {...}, "data": {...}} of plain values; anything missing renders as nothing or its
    fallback. Raises TemplateLimit (a bound passed, or a template that is not allowed)."""
    subject = _one_line(language.render(source.subject, context, html=False))
    preheader = _one_line(language.render(source.preheader, context, html=False)) if source.preheader else ""
    body = language.render(source.html, context, html=True)
    document = _document(body, subject=subject, preheader=preheader, lang=source.language or "en")
    try:
        inlined = _INLINER.inline(document)
    except ValueError as exc:  # css-inline refuses CSS it cannot parse
        raise TemplateLimit(str(exc)) from None
    return RenderedEmail(subject=subject, html=inlined, text=html_to_text(body), preheader=preheader)
