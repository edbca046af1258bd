"""The personalisation language: values, fallbacks, validation at save, and the sandbox's
walls and bounds (escape attempts fail safely; nothing leaks, nothing hangs)."""

from __future__ import annotations

import pytest

from sarnakh.mail.content import language
from sarnakh.mail.content.language import HTML_ENV, TemplateLimit, render, validate

CONTEXT = {
    "contact": {"first_name": "Shirin", "last_name": "", "email": "shirin@example.com", "city": None,
                "properties": {"plan": "pro"}},
    "company": {"name": "Acme & Sons", "properties": {}},
    "owner": {"name": "Reza", "email": "reza@example.com"},
    "data": {"offer": "20%", "items": ["a", "b"]},
}


def test_given_contact_company_owner_and_data_when_rendered_then_each_value_is_in_the_text():
    text = render("{{ contact.first_name }}|{{ company.name }}|{{ owner.email }}|{{ contact.properties.plan }}|"
                  "{{ data.offer }}|{% for i in data.items %}{{ i }}{{ loop.index }}{% endfor %}", CONTEXT, html=False)
    assert text == "Shirin|Acme & Sons|reza@example.com|pro|20%|a1b2"


def test_given_html_mode_when_a_value_has_markup_then_it_is_escaped():
    assert render("<b>{{ company.name }}</b>", CONTEXT, html=True) == "<b>Acme &amp; Sons</b>"
    assert render("{{ data.x }}", {"data": {"x": "<script>"}}, html=True) == "&lt;script&gt;"


@pytest.mark.parametrize(("source", "expected"), [
    ('{{ contact.job_title | default("دوست عزیز") }}', "دوست عزیز"),  # missing key
    ('{{ contact.last_name | default("دوست عزیز") }}', "دوست عزیز"),  # empty string
    ('{{ contact.city | default("Tehran") }}', "Tehran"),  # None
    ('{{ contact.first_name | default("friend") }}', "Shirin"),  # present: kept
    ('{{ data.nothing.deeper | default("x") }}', "x"),  # missing parent
    ('{{ data.zero | default(5) }}', "0"),  # zero is a value
    ('{{ data.zero | default(5, true) }}', "5"),  # unless boolean=True, as in Jinja
])
def test_given_a_default_when_the_value_is_missing_or_blank_then_the_fallback_is_used(source, expected):
    context = {**CONTEXT, "data": {"zero": 0}}
    assert render(source, context, html=False) == expected


def test_given_a_missing_value_without_fallback_when_rendered_then_it_is_empty_and_nothing_breaks():
    assert render("Hi {{ contact.job_title }}{{ data.a.b.c }}{{ company.properties.x }}!", {}, html=True) == "Hi !"


def test_given_an_unknown_variable_when_validated_then_it_is_named_with_its_line():
    problems = validate("Hello\n{{ contact.frist_name }}\n{{ customer }}")
    assert [str(p) for p in problems] == ["Line 2: unknown variable “contact.frist_name”.",
                                          "Line 3: unknown variable “customer”."]


def test_given_a_syntax_error_when_validated_then_its_line_is_given():
    [problem] = validate("<p>\n{% if contact.email %}\nno end")
    # then the line of the unclosed block is given
    assert problem.line == 2 and "syntax error" in problem.message and "endif" in problem.message


def test_given_known_names_filters_loops_and_free_form_data_when_validated_then_nothing_is_refused():
    assert validate('{{ contact.properties.anything | default("x") | upper }}{{ data.a.b }}{% for n in range(3) %}'
                    '{{ loop.index }}{{ n }}{% endfor %}{% if owner.name is defined %}{{ owner.name }}{% endif %}') == []


def test_given_property_keys_when_validated_then_an_unknown_property_is_named():
    [problem] = validate("{{ contact.properties.plann }}", property_keys={"contact": {"plan"}})
    assert "contact.properties.plann" in problem.message


@pytest.mark.parametrize(("source", "reason"), [
    ("{{ ''.__class__ }}", "private"),
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "call"),
    ("{{ cycler.__init__.__globals__ }}", "private"),
    ("{{ contact._meta }}", "private"),
    ("{{ contact['__class__'] }}", "private"),
    ("{{ contact.first_name.upper() }}", "call"),
    ("{{ 'x'.center(1000000000) }}", "call"),
    ("{{ lipsum() }}", "call"),
    ("{% set x = 'a' %}", "set"),
    ("{% macro m() %}{% endmacro %}", "macro"),
    ("{% include 'x.html' %}", "include"),
    ("{% for x in data.items recursive %}{{ loop(x) }}{% endfor %}", "Recursive"),
    ("{{ 'x' | center(1000000000) }}", "filter"),
    ("{{ data.a | attr('__class__') }}", "filter"),
])
def test_given_an_escape_attempt_when_validated_then_it_is_refused(source, reason):
    problems = validate(source)
    assert problems, source
    assert reason.lower() in " ".join(str(p) for p in problems).lower() or "unknown" in str(problems[0])


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}", "{{ contact.first_name.upper() }}", "{% set x = 1 %}", "{{ cycler.__init__.__globals__ }}",
])
def test_given_an_escape_attempt_that_skipped_validation_when_rendered_then_it_is_refused_not_run(source):
    with pytest.raises(TemplateLimit):
        render(source, CONTEXT, html=True)


def test_given_the_sandbox_itself_when_private_attributes_are_read_then_they_are_undefined_not_leaked():
    # given the environment used without the parse-tree check (a second wall)
    leaked = HTML_ENV.from_string("[{{ ''.__class__ }}{{ x.__init__ }}{{ contact.__class__ }}]").render(contact={})
    assert leaked == "[]"


@pytest.mark.parametrize("source", [
    "{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}",  # 10^6 rounds, no output
    "{% for i in range(100000) %}x{% endfor %}",  # range too large
    "{{ 'a' * 1000000000 }}",
    "{{ 9 ** 9 ** 9 }}",
    "{{ '%999999999d' % 1 }}",
    "{{ data.s | replace('a', data.big) }}",
    "{% for c in data.long %}{% for d in data.long %}{% endfor %}{% endfor %}",
])
def test_given_a_runaway_template_when_rendered_then_a_bound_stops_it(source):
    data = {"s": "a" * 10_000, "big": "b" * 1_000, "long": "x" * 1_000}
    with pytest.raises(TemplateLimit):
        render(source, {"data": data}, html=True)


def test_given_output_past_the_cap_when_rendered_then_it_stops(monkeypatch):
    monkeypatch.setattr(language, "MAX_OUTPUT", 1_000)
    with pytest.raises(TemplateLimit, match="longer than"):
        render("{% for i in range(500) %}{{ data.t }}{% endfor %}", {"data": {"t": "abcdef"}}, html=True)


def test_given_reasonable_arithmetic_when_rendered_then_it_is_computed():
    assert render("{{ 10 ** 6 }} {{ 7 % 3 }} {{ 'ab' * 3 }} {{ 2 * 21 }}", {}, html=False) == "1000000 1 ababab 42"


def test_given_a_runtime_error_in_a_template_when_rendered_then_it_is_a_template_limit_not_a_crash():
    with pytest.raises(TemplateLimit):
        render("{{ 1 / 0 }}", {}, html=True)
