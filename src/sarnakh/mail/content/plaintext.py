"""The plain-text part of an email, made from its HTML.

A small converter on the standard library's HTML parser rather than html2text: html2text
writes Markdown (`[text](url)`, `**bold**`, escaped punctuation), while a text part wants
links as "text (url)", headings underlined, list items marked, and nothing else. Linear in
the input; script, style, head and hidden preheader text are dropped.

Pure: no Django, no ORM.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "table", "tr", "ul", "ol", "blockquote", "section", "article", "header", "footer",
          "h1", "h2", "h3", "h4", "h5", "h6", "li", "hr", "center"}
SKIPPED = {"script", "style", "head", "title", "template"}
UNDERLINE = {"h1": "=", "h2": "-"}
_HIDDEN = re.compile(r"display\s*:\s*none", re.I)
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.skip = 0  # depth inside skipped or hidden elements
        self.skip_stack: list[str] = []
        self.lists: list[list] = []  # [tag, counter]
        self.link: tuple[str, int] | None = None  # href, position in current where its text starts
        self.heading: str | None = None

    # text accumulation ---------------------------------------------------------------
    def _flush(self, blank: bool = False) -> None:
        text = _SPACES.sub(" ", "".join(self.current)).strip()
        self.current = []
        if text:
            self.lines.append(text)
        if blank and self.lines and self.lines[-1] != "":
            self.lines.append("")

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        if self.skip:
            if tag not in VOID:
                self.skip_stack.append(tag)
                self.skip += 1
            return
        if tag in SKIPPED or _HIDDEN.search(attributes.get("style") or "") or "hidden" in attributes:
            if tag not in VOID:
                self.skip_stack.append(tag)
                self.skip = 1
            return
        if tag in BLOCKS:
            self._flush(blank=tag in {"p", "table", "ul", "ol", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6"})
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.heading = tag
        elif tag in {"ul", "ol"}:
            self.lists.append([tag, 0])
        elif tag == "li":
            marker = "-"
            if self.lists and self.lists[-1][0] == "ol":
                self.lists[-1][1] += 1
                marker = f"{self.lists[-1][1]}."
            self.current.append("  " * max(len(self.lists) - 1, 0) + marker + " ")
        elif tag == "br":
            self._flush()
        elif tag == "hr":
            self.lines.append("-" * 20)
        elif tag == "img":
            alt = (attributes.get("alt") or "").strip()
            if alt:
                self.current.append(f" {alt} ")
        elif tag in {"td", "th"}:
            self.current.append(" ")
        elif tag == "a":
            self.link = ((attributes.get("href") or "").strip(), len(self.current))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            if self.skip_stack and self.skip_stack[-1] == tag:
                self.skip_stack.pop()
                self.skip -= 1
            return
        if tag == "a" and self.link is not None:
            href, start = self.link
            self.link = None
            text = _SPACES.sub(" ", "".join(self.current[start:])).strip()
            if href and not href.startswith(("#", "javascript:")):
                shown = href[len("mailto:"):] if href.startswith("mailto:") else href
                if not text:
                    self.current.append(f" {shown} ")
                elif text != shown and text != href:
                    self.current.append(f" ({shown})")
        elif tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            text = _SPACES.sub(" ", "".join(self.current)).strip()
            self.current = []
            if text:
                self.lines.append(text)
                if tag in UNDERLINE:
                    self.lines.append(UNDERLINE[tag] * len(text))
            self.heading = None
            self._flush(blank=True)
        elif tag in {"ul", "ol"}:
            if self.lists:
                self.lists.pop()
            self._flush(blank=True)
        elif tag in BLOCKS:
            self._flush(blank=tag in {"p", "table", "blockquote"})

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.current.append(data)

    def text(self) -> str:
        self._flush()
        out: list[str] = []
        for line in self.lines:
            if line == "" and (not out or out[-1] == ""):
                continue
            out.append(line)
        while out and out[-1] == "":
            out.pop()
        return "\n".join(out)


VOID = {"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "source", "wbr"}


def html_to_text(html: str) -> str:
    """The readable text of `html`: paragraphs separated by a blank line, headings (h1 and
    h2 underlined), list items as "- item" or "1. item", links as "text (url)", images by
    their alt text."""
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return converter.text()
