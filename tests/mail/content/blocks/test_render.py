"""Blocks → MJML → HTML, then the template pipeline: responsive email HTML, right to left
for Persian, personalisation that survives to the rendered message, saved blocks' content,
nothing unsafe from what was typed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sarnakh.mail.content.blocks.render import render_document, to_mjml
from sarnakh.mail.content.render import TemplateSource, render_email
from tests.mail.content.blocks.support import GREETING, document, short

VALUES = {"contact": {"first_name": "Sara"}, "company": {"name": "Acme & <Co>"}, "data": {"issue": '7"><script>'}}


def _tags(html: str) -> list[str]:
    found: list[str] = []

    class Tags(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append(tag)

    Tags().feed(html)
    return found


def _message(value, *, language="en", saved=None, values=VALUES):
    html = render_document(value, language=language, saved=saved)
    return render_email(TemplateSource(subject="S", preheader="P", html=html, language=language), values)


def test_given_the_short_template_then_its_html_is_mjmls_responsive_tables_with_the_jinja_kept_as_written():
    html = render_document(short())
    assert html.startswith("<!doctype html>") and "mj-column-per-100" in html and "@media only screen" in html
    assert GREETING in html  # quotes and all: Jinja never went through MRML
    assert "{{ data.issue | default('1') }}" in html
    assert "fonts.googleapis" not in html  # no web font is imported


def test_given_personalisation_when_the_message_is_rendered_then_values_and_fallbacks_arrive_escaped():
    message = _message(short())
    assert "Hello Sara" in message.html and "Hello Sara" in message.text
    assert "Our <b>news</b> for Acme &amp; &lt;Co&gt;:" in message.html
    # the data's quote is escaped: it cannot end the attribute, so no element is made from it
    link = re.search(r'<a href="(https://example\.com/news[^"]*)"', message.html).group(1)
    assert link.startswith("https://example.com/news?id=7&quot;")
    assert _tags(message.html).count("script") == 0
    fallback = _message(short(), values={})
    assert "Hello دوست عزیز" in fallback.html and "news?id=1" in fallback.html
    assert "Read more (https://example.com/more)" in fallback.text


def test_given_a_persian_template_then_the_document_and_the_sections_are_right_to_left_with_the_persian_fonts():
    message = _message(short(), language="fa")
    assert re.search(r'<html[^>]*lang="fa"[^>]*dir="rtl"', message.html)
    assert re.search(r'<body[^>]*dir="rtl"', message.html)
    assert "direction: rtl" in message.html and "direction: ltr" not in message.html
    assert "Vazirmatn, Tahoma, sans-serif" in message.html
    heading_cell = re.search(r'<td align="(\w+)"[^>]*>\s*<div[^>]*>\s*<h1', message.html)
    assert heading_cell.group(1) == "right"
    assert 'text-align: right' in message.html
    english = _message(short())
    assert 'dir="ltr"' in english.html and "Vazirmatn" not in english.html


def test_given_a_centred_button_in_persian_then_its_own_alignment_wins_over_the_right_to_left_default():
    message = _message(document({"type": "button", "label": "برو", "href": "https://example.com"}), language="fa")
    cell = re.search(r'<td align="center" vertical-align="middle" style="([^"]*)"', message.html).group(1)
    assert "text-align: center" in cell


def test_given_a_saved_block_then_its_content_renders_where_it_is_referred_to_and_columns_in_a_column_stack():
    saved = {5: [{"type": "text", "text": "“Great tool” — <i>Maryam</i>"},
                 {"type": "columns", "columns": [[{"type": "text", "text": "left part"}], [{"type": "text", "text": "right part"}]]}]}
    top = _message(document({"type": "saved", "id": 5}), saved=saved)
    assert "“Great tool” — <i>Maryam</i>" in top.html and top.html.count("mj-column-per-50") >= 2
    inside = render_document(document({"type": "columns", "columns": [[{"type": "saved", "id": 5}], [{"type": "divider"}]]}), saved=saved)
    assert "left part" in inside and "right part" in inside
    missing = render_document(document({"type": "saved", "id": 6}, {"type": "divider"}), saved=saved)
    assert "Great tool" not in missing


def test_given_text_that_looks_like_mjml_then_it_is_escaped_and_never_an_include():
    source, _tokens = to_mjml(document({"type": "heading", "text": '<mj-include path="/etc/passwd" />'},
                                       {"type": "text", "text": '</mj-text><mj-raw><script>alert(1)</script></mj-raw>'}))
    assert "<mj-include" not in source and "<script" not in source and "<mj-raw>" not in source
    assert "&lt;mj-include" in source


def test_given_an_image_with_a_link_then_it_is_an_mjml_image_with_its_width_and_alt():
    html = render_document(document({"type": "image", "src": "https://example.com/a.png", "alt": 'A "quoted" logo',
                                     "width": 200, "href": "https://example.com/"}))
    assert re.search(r'<a href="https://example.com/"[^>]*><img alt="A &quot;quoted&quot; logo"[^>]*src="https://example.com/a.png" width="200"', html)
