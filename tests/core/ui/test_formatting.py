"""One number, percentage, date and user-value style for every page, in each language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template
from django.utils import translation

from sarnakh.core.ui.formatting import (
    format_message,
    format_number,
    format_percent,
    format_points,
    format_signed,
    format_when,
    isolate,
)


@pytest.mark.parametrize(
    "value, places, english, persian",
    [
        (1234, None, "1,234", "۱٬۲۳۴"),
        (1234.5, None, "1,234.5", "۱٬۲۳۴٫۵"),
        ("16.6667", None, "16.67", "۱۶٫۶۷"),
        (0.5, 2, "0.50", "۰٫۵۰"),
        (-3, None, "−3", "\u200e−۳"),
        (-0.001, None, "0", "۰"),
        ("not a number", None, "not a number", "not a number"),
        (None, None, "", ""),
    ],
)
def test_numbers_read_right_in_each_language(value, places, english, persian):
    with translation.override("en"):
        assert format_number(value, places) == english
    with translation.override("fa"):
        assert format_number(value, places) == persian


def test_percentages_and_points():
    with translation.override("en"):
        assert (format_percent(16.666), format_percent(0.125, ratio=True), format_percent(100)) == ("16.7%", "12.5%", "100%")
        assert (format_points(2.5), format_points(-1)) == ("+2.5 pp", "−1 pp")
    with translation.override("fa"):
        assert (format_percent(16.666), format_percent(0.125, ratio=True), format_percent(100)) == ("۱۶٫۷٪", "۱۲٫۵٪", "۱۰۰٪")
        assert format_points(2.5).startswith("\u200e+۲٫۵ ") and "pp" not in format_points(2.5)


def test_dates_have_one_style_per_language():
    moment = dt.datetime(2026, 12, 4, 15, 15, tzinfo=dt.UTC)
    with translation.override("en"):
        assert format_when(moment) == "4 Dec 2026, 15:15" and format_when(moment.date()) == "4 Dec 2026"
    with translation.override("fa"):
        assert format_when(moment) == "۱۳ آذر ۱۴۰۵، ۱۵:۱۵"


def test_a_user_value_is_isolated_and_escaped():
    assert isolate("+989178808943") == '<bdi class="uv" dir="auto">+989178808943</bdi>'
    assert isolate("<script>x</script>") == '<bdi class="uv" dir="auto">&lt;script&gt;x&lt;/script&gt;</bdi>'
    assert isolate("") == "" and isolate(None) == ""


def test_the_template_filters_use_them():
    template = Template("{% load sarnakh_ui %}{{ n|num }} {{ d|num:2 }} {{ p|pct }} {{ r|ratio_pct }} {{ x|pp }} {{ email|bdi }}")
    context = Context({"n": 1234, "d": 0.5, "p": 16.67, "r": 0.5, "x": 1.5, "email": "a@b.com"})
    with translation.override("fa"):
        text = template.render(context)
    assert text.startswith("۱٬۲۳۴ ۰٫۵۰ ۱۶٫۷٪ ۵۰٪ \u200e+۱٫۵ ") and '<bdi class="uv" dir="auto">a@b.com</bdi>' in text


# ------------------------------------------------------------------ URLs shown on pages


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("https://www.example.ir/%D9%85%D8%AD%D8%B5%D9%88%D9%84%D8%A7%D8%AA?q=%D8%B3%D9%84%D8%A7%D9%85", "https://www.example.ir/محصولات?q=سلام"),
        ("/blog/%D9%86%DB%8C%DA%A9%E2%80%8C%D9%86%D8%A7%D9%85", "/blog/نیک\u200cنام"),  # ZWNJ kept: Persian needs it
        ("/a%20b", "/a%20b"),  # a space would hide where the URL ends
        ("/x%E2%80%AEgpj.exe", "/x%E2%80%AEgpj.exe"),  # a right-to-left override would disguise it
        ("/bad-%FF-bytes", "/bad-%FF-bytes"),  # not UTF-8: left as stored
        ("", ""),
    ],
)
def test_given_stored_url_when_made_readable_then_escapes_decoded_except_the_unsafe(stored, shown):
    from sarnakh.core.ui.formatting import readable_url

    assert readable_url(stored) == shown


def test_given_a_web_url_when_shown_as_link_then_the_href_stays_encoded_and_the_text_is_readable_and_isolated():
    rendered = Template("{% load sarnakh_ui %}{{ u|url }}").render(Context({"u": "https://ex.ir/%D8%B3?a=1&b=2"}))

    assert rendered == (
        '<a href="https://ex.ir/%D8%B3?a=1&amp;b=2" rel="noopener noreferrer nofollow" class="break">'
        '<bdi class="uv" dir="auto">https://ex.ir/س?a=1&amp;b=2</bdi></a>'
    )


@pytest.mark.parametrize("stored", ["javascript:alert(1)", "/relative/path", "data:text/html,<b>x</b>"])
def test_given_a_url_that_is_not_a_web_address_when_shown_then_text_only_never_a_link(stored):
    rendered = Template("{% load sarnakh_ui %}{{ u|url }}").render(Context({"u": stored}))

    assert "<a " not in rendered and rendered.startswith('<bdi class="uv" dir="auto">') and "<b>" not in rendered


def test_signed_numbers_keep_their_sign_on_the_left_in_persian_text():
    with translation.override("en"):
        assert (format_signed(2.5), format_signed(-1), format_signed(0)) == ("+2.5", "−1", "0")
    with translation.override("fa"):
        assert (format_signed(2.5), format_signed(-1), format_number(-3)) == ("\u200e+۲٫۵", "\u200e−۱", "\u200e−۳")


def test_a_literal_in_a_sentence_is_code_and_foreign_digits_follow_the_reader():
    template = Template('{% load sarnakh_ui %}{{ cmd|code }} {{ text|digits }} {{ "</head>"|code }}')
    context = Context({"cmd": "sarnakh serve", "text": "2 minutes"})

    assert template.render(context) == '<code dir="ltr">sarnakh serve</code> 2 minutes <code dir="ltr">&lt;/head&gt;</code>'
    with translation.override("fa"):
        assert " ۲ minutes " in template.render(context)


def test_a_sentence_with_values_is_safe_html_with_the_values_isolated():
    text = format_message("Merged with %(name)s <now>", name=isolate("Atlas Co."))

    assert text == 'Merged with <bdi class="uv" dir="auto">Atlas Co.</bdi> &lt;now&gt;'


def test_given_a_value_isolated_in_python_when_the_template_isolates_it_again_then_it_is_isolated_once():
    once = isolate("crm")

    assert isolate(once) == once == '<bdi class="uv" dir="auto">crm</bdi>'
    assert isolate(format_message("%(a)s and %(b)s", a=isolate("x"), b=isolate("y"))).count("<bdi") == 3
