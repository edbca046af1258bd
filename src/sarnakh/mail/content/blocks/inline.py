"""Text of a block: where its Jinja personalisation is, and the small inline markup a text
block may carry (b, i, a href, br), sanitised.

The text is split with Jinja's own lexer into data (what a reader sees) and code
(`{{ … }}`, `{% … %}`, `{# … #}`): code is kept exactly as written (language.validate
checks it, and it is escaped when rendered), data is treated as HTML and rebuilt from what
is allowed. Anything else is refused by `clean_inline` (a problem per kind) and dropped or
escaped in its output, so even an unchecked text renders safely.

Pure: no ORM.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

from django.utils.translation import gettext as _
from jinja2 import Environment, TemplateSyntaxError

MAX_URL = 2000
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")
IMAGE_SCHEMES = ("https://",)
ALLOWED_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "a": "a", "br": "br"}
DROPPED_WITH_CONTENT = {"script", "style", "template", "title", "textarea", "noscript", "iframe", "object", "svg", "math"}

_LEXER = Environment().lexer
_MARK_OPEN, _MARK_CLOSE = "\ue000", "\ue001"
_MARK = re.compile(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}")
_URL_BAD = re.compile(r"[\s<>\"'`\\\x00-\x1f\x7f]")


def segments(text: str) -> list[tuple[bool, str]]:
    """`text` as (is_code, raw) pieces that join back to it. A text Jinja cannot lex is all
    data (its syntax error is reported by language.validate)."""
    pieces: list[tuple[bool, str]] = []
    try:
        for _line, kind, value in _LEXER.tokeniter(text, None):
            code = kind != "data"
            if pieces and pieces[-1][0] == code:
                pieces[-1] = (code, pieces[-1][1] + value)
            else:
                pieces.append((code, value))
    except TemplateSyntaxError:
        return [(False, text)]
    return pieces


def plain(text: str, *, quote: bool = False) -> str:
    """Plain text (a heading, a label, an attribute) as HTML: data escaped, code kept."""
    return "".join(raw if code else html_lib.escape(raw.replace(_MARK_OPEN, "").replace(_MARK_CLOSE, ""), quote=quote)
                   for code, raw in segments(text))


def literal_prefix(text: str) -> str:
    """The part of `text` before its first Jinja code."""
    first = segments(text)[0] if text else (False, "")
    return first[1] if not first[0] else ""


def url_problem(url: str, schemes: tuple[str, ...] = LINK_SCHEMES) -> str | None:
    """Why `url` cannot be a link (None: it can): it starts with one of `schemes` written
    out (never from a variable), has no spaces or quotes, and is at most MAX_URL long."""
    if not url:
        return _("Give a link.")
    if len(url) > MAX_URL:
        return _("At most %(n)s characters.") % {"n": MAX_URL}
    prefix = literal_prefix(url)
    if not prefix.lower().startswith(schemes):
        return _("The address must start with %(schemes)s.") % {"schemes": ", ".join(schemes)}
    data = "".join(raw for code, raw in segments(url) if not code)
    if _URL_BAD.search(data):
        return _("An address has no spaces, quotes or angle brackets.")
    return None


class _Cleaner(HTMLParser):
    def __init__(self, codes: list[str]):
        super().__init__(convert_charrefs=True)
        self.codes = codes
        self.out: list[str] = []
        self.open: list[str] = []
        self.problems: list[str] = []
        self.skip_depth = 0
        self.skipping: str | None = None

    def _problem(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)

    def _restore(self, text: str) -> str:
        return _MARK.sub(lambda m: self.codes[int(m.group(1))] if int(m.group(1)) < len(self.codes) else "", text)

    def handle_starttag(self, tag, attrs):
        if self.skipping:
            if tag == self.skipping:
                self.skip_depth += 1
            return
        if tag not in ALLOWED_TAGS:
            self._problem(_("The tag <%(tag)s> is not allowed: use <b>, <i>, <a href=…> and <br>.") % {"tag": tag})
            if tag in DROPPED_WITH_CONTENT:
                self.skipping, self.skip_depth = tag, 1
            return
        name = ALLOWED_TAGS[tag]
        href = None
        for attr, value in attrs:
            if name == "a" and attr == "href":
                href = self._restore(value or "")
            else:
                self._problem(_("The attribute %(attr)s is not allowed (a link takes only href).") % {"attr": attr})
        if name == "br":
            self.out.append("<br>")
            return
        if name == "a":
            problem = url_problem(href or "")
            if problem:
                self._problem(problem)
                href = None
            if "a" in self.open:
                return
            self.out.append(f'<a href="{plain(href, quote=True)}">' if href else "<a>")
        else:
            self.out.append(f"<{name}>")
        self.open.append(name)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if ALLOWED_TAGS.get(tag) in {"b", "i", "a"}:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        if self.skipping:
            if tag == self.skipping:
                self.skip_depth -= 1
                if self.skip_depth == 0:
                    self.skipping = None
            return
        name = ALLOWED_TAGS.get(tag)
        if name in self.open:
            while self.open:
                last = self.open.pop()
                self.out.append(f"</{last}>")
                if last == name:
                    break

    def handle_data(self, data):
        if self.skipping:
            return
        escaped = html_lib.escape(data, quote=False)
        self.out.append(self._restore(escaped.replace("\r\n", "\n").replace("\n", "<br>")))

    def handle_comment(self, data):
        self._problem(_("Comments are not allowed in text."))

    def handle_decl(self, decl):
        self._problem(_("Declarations are not allowed in text."))

    def handle_pi(self, data):
        self._problem(_("Processing instructions are not allowed in text."))

    def unknown_decl(self, data):
        self._problem(_("Declarations are not allowed in text."))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def clean_inline(text: str) -> tuple[str, list[str]]:
    """A text block's markup made safe: (HTML with its Jinja code kept as written, the
    problems found). Allowed: <b> (or <strong>), <i> (or <em>), <a href> with an https,
    http, mailto or tel address, <br>; a line break is a <br>. Other tags and attributes,
    comments and links of other schemes are problems, and dropped from the HTML (a
    <script>'s content with it)."""
    codes: list[str] = []
    protected: list[str] = []
    for code, raw in segments(text):
        if code:
            codes.append(raw)
            protected.append(f"{_MARK_OPEN}{len(codes) - 1}{_MARK_CLOSE}")
        else:
            protected.append(raw.replace(_MARK_OPEN, "").replace(_MARK_CLOSE, ""))
    cleaner = _Cleaner(codes)
    cleaner.feed("".join(protected))
    return cleaner.result(), cleaner.problems
