"""The block document: its schema, bounds and errors naming the block's path, and the
inline markup of text blocks (b, i, a href, br) sanitised around Jinja personalisation."""

from __future__ import annotations

import pytest

from sarnakh.mail.content.blocks import document as doc
from sarnakh.mail.content.blocks.inline import clean_inline, url_problem
from tests.mail.content.blocks.support import document, short


def _errors(value, **kwargs) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in doc.validate_document(value, **kwargs).errors:
        found.setdefault(error.key, []).append(str(error))
    return found


def test_given_the_short_template_then_it_is_valid_and_refers_to_no_saved_block():
    checked = doc.validate_document(short())
    assert checked.errors == [] and checked.references == set()


def test_given_every_block_type_then_a_well_formed_document_is_valid_and_its_references_are_known():
    value = document(
        {"type": "heading", "text": "Hi", "level": 2, "align": "center", "color": "#123"},
        {"type": "image", "src": "https://example.com/a.png", "alt": "A", "width": 300, "href": "mailto:a@example.com"},
        {"type": "columns", "columns": [[{"type": "text", "text": "a"}], [{"type": "saved", "id": 7}], [{"type": "divider"}]]},
        {"type": "spacer", "height": 40}, {"type": "divider", "color": "#e2e8f0"},
        {"type": "button", "label": "Go", "href": "tel:+989121234567", "background": "#0f766e", "color": "#ffffff"},
        background="#f1f5f9",
    )
    checked = doc.validate_document(value, saved_ids={7})
    assert checked.errors == [] and checked.references == {7}


@pytest.mark.parametrize(("block", "key", "words"), [
    ({"type": "banner"}, "blocks[1].type", "Unknown block type “banner”"),
    ({"type": "button", "label": "Go", "href": "ftp://x"}, "blocks[1].href", "must start with https://"),
    ({"type": "button", "label": "", "href": "https://x"}, "blocks[1].label", "required"),
    ({"type": "image", "src": "http://example.com/a.png"}, "blocks[1].src", "must start with https://"),
    ({"type": "image", "src": "https://e.com/a.png", "width": 5000}, "blocks[1].width", "from 20 to 600"),
    ({"type": "heading", "text": "Hi", "color": "red; x: expression(1)"}, "blocks[1].color", "colour like #1d4ed8"),
    ({"type": "spacer", "height": "10"}, "blocks[1].height", "whole number"),
    ({"type": "text", "text": "Hi", "onclick": "x"}, "blocks[1].onclick", "Unknown field “onclick”"),
    ({"type": "columns", "columns": [[]]}, "blocks[1].columns", "Two or three columns"),
    ({"type": "saved", "id": 99}, "blocks[1].id", "No saved block with the id 99"),
    ({"type": "text", "text": "{{ contact.frist_name }}"}, "blocks[1].text", "unknown variable “contact.frist_name”"),
])
def test_given_a_bad_block_when_validated_then_the_error_names_its_path_and_field(block, key, words):
    errors = _errors(document({"type": "divider"}, block), saved_ids=set())
    assert key in errors, errors
    assert any(words in message and message.startswith("Block 2") for message in errors[key]), errors


def test_given_a_nested_error_then_the_path_names_the_column_and_the_block_in_it():
    value = document({"type": "columns", "columns": [[{"type": "divider"}], [{"type": "text", "text": "ok"},
                                                                              {"type": "button", "label": "x", "href": "javascript:alert(1)"}]]})
    errors = _errors(value)
    assert list(errors) == ["blocks[0].columns[1][1].href"]
    assert errors["blocks[0].columns[1][1].href"][0].startswith("Block 1 › column 2 › block 2: ")


def test_given_columns_in_columns_or_a_reference_in_a_saved_block_then_they_are_refused():
    nested = document({"type": "columns", "columns": [[{"type": "columns", "columns": [[], []]}], []]})
    assert "Columns cannot be placed inside columns." in str(_errors(nested))
    inside_saved = _errors({"blocks": [{"type": "saved", "id": 1}]}, allow_saved=False)
    assert "cannot contain another saved block" in str(inside_saved)


def test_given_documents_past_the_bounds_then_they_are_refused_with_the_bound():
    many = document(*[{"type": "divider"}] * (doc.MAX_BLOCKS + 1))
    assert _errors(many) == {"blocks": ["At most 200 blocks."]}
    long_text = document({"type": "text", "text": "x" * (doc.MAX_TEXT + 1)})
    assert "At most 20,000 characters." in str(_errors(long_text))
    assert "Add at least one block." in str(_errors(document()))
    assert "Unknown document version" in str(_errors({"version": 2, "blocks": [{"type": "divider"}]}))
    assert "an object with a list of blocks" in str(_errors(["not", "a", "document"]))


def test_given_a_document_with_many_problems_then_at_most_the_bound_of_errors_is_reported():
    bad = document(*[{"type": "spacer", "height": 0}] * 120)
    assert len(doc.validate_document(bad).errors) == doc.MAX_ERRORS


# Sanitising text blocks

@pytest.mark.parametrize(("text", "problem"), [
    ("Hi <script>alert(1)</script>there", "The tag <script> is not allowed"),
    ('<a href="javascript:alert(1)">x</a>', "must start with https://"),
    ('<a href=" JaVaScRiPt:alert(1)">x</a>', "must start with https://"),
    ('<b onmouseover="alert(1)">x</b>', "The attribute onmouseover is not allowed"),
    ('<img src="https://x/a.png" onerror="alert(1)">', "The tag <img> is not allowed"),
    ("<!-- hidden -->x", "Comments are not allowed"),
    ('<a href="{{ data.url }}">x</a>', "must start with https://"),  # the scheme is never a variable's
])
def test_given_unsafe_markup_when_cleaned_then_it_is_a_problem_and_absent_from_the_html(text, problem):
    html, problems = clean_inline(text)
    assert any(problem in p for p in problems), problems
    for unsafe in ("<script", "alert(1)", "javascript:", "onmouseover", "onerror", "<img", "<!--", 'href="{{'):
        assert unsafe not in html.lower(), html


def test_given_allowed_markup_and_personalisation_when_cleaned_then_they_are_kept_exactly():
    text = ('Hi {{ contact.first_name | default("دوست عزیز") }} & co, <b>bold</b> <strong>s</strong> <em>e</em>\n'
            '<a href="https://example.com/?a=1&amp;b={{ data.b | default("x") }}">go</a> {% if company.name %}<i>{{ company.name }}</i>{% endif %}')
    html, problems = clean_inline(text)
    assert problems == []
    assert html == ('Hi {{ contact.first_name | default("دوست عزیز") }} &amp; co, <b>bold</b> <b>s</b> <i>e</i><br>'
                    '<a href="https://example.com/?a=1&amp;b={{ data.b | default("x") }}">go</a> '
                    '{% if company.name %}<i>{{ company.name }}</i>{% endif %}')


def test_given_unclosed_or_stray_tags_then_the_html_is_balanced():
    assert clean_inline("<b>open <i>both")[0] == "<b>open <i>both</i></b>"
    assert clean_inline("stray</b> < 3")[0] == "stray &lt; 3"


def test_url_rules():
    assert url_problem("https://example.com/{{ data.path }}") is None
    assert url_problem("mailto:sales@example.com") is None
    assert "no spaces" in url_problem('https://example.com/" onclick="x')
    assert "must start" in url_problem("//evil.example/")
