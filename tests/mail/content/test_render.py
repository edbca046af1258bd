"""The rendering pipeline: subject, preheader, HTML document (CSS inlined, RTL for Persian),
and the plain-text part."""

from __future__ import annotations

from sarnakh.mail.content.plaintext import html_to_text
from sarnakh.mail.content.render import FONT_STACK_FA, TemplateSource, render_email

CONTACT = {"contact": {"first_name": "Sara", "last_name": "", "email": "sara@example.com"},
           "company": {"name": "Acme"}}


def test_given_a_fragment_with_style_when_rendered_then_css_is_inlined_and_the_style_element_is_gone():
    email = render_email(TemplateSource("Hi", "", "<style>h1 { color: #c00 } .cta { padding: 8px }</style>"
                                        '<h1>Hello</h1><a class="cta" href="https://x.example/">Go</a>'), CONTACT)
    assert '<h1 style="color: #c00;">Hello</h1>' in email.html
    assert 'style="padding: 8px;"' in email.html
    assert "<style>" not in email.html
    assert email.html.startswith("<!DOCTYPE html>") and 'lang="en" dir="ltr"' in email.html


def test_given_a_media_query_when_rendered_then_it_is_kept_for_clients_that_read_it():
    email = render_email(TemplateSource("Hi", "", "<style>@media (max-width: 600px) { h1 { font-size: 20px } }</style><h1>x</h1>"), {})
    assert "@media (max-width: 600px)" in email.html


def test_given_personalised_subject_and_preheader_when_rendered_then_values_and_fallbacks_are_filled():
    email = render_email(TemplateSource('Hi {{ contact.first_name }}, news from {{ company.name }}',
                                        '{{ contact.last_name | default("Dear reader") }}: our offer', "<p>x</p>"), CONTACT)
    assert email.subject == "Hi Sara, news from Acme"
    assert email.preheader == "Dear reader: our offer"


def test_given_a_subject_with_line_breaks_when_rendered_then_it_is_one_line():
    email = render_email(TemplateSource("Hi\r\nBcc: x@evil.example {{ data.x }}", "", "<p>x</p>"), {"data": {"x": "a\nb"}})
    assert "\n" not in email.subject and "\r" not in email.subject
    assert email.subject == "Hi Bcc: x@evil.example a b"


def test_given_a_preheader_when_rendered_then_it_is_a_hidden_span_first_in_the_body_and_escaped():
    email = render_email(TemplateSource("S", "Sale <today>", "<p>Body</p>"), {})
    body = email.html.split("<body", 1)[1]
    span = body.split(">", 1)[1]
    assert span.startswith('<span class="preheader"') and "display:none" in span.split(">", 1)[0].replace(" ", "")
    assert "Sale &lt;today&gt;</span><p" in body
    assert "Sale" not in email.text


def test_given_a_persian_template_when_rendered_then_html_and_body_are_rtl_with_the_persian_font_stack():
    email = render_email(TemplateSource("سلام {{ contact.first_name }}", "", "<h1>خبرنامه</h1><p>متن</p>", "fa"), CONTACT)
    assert '<html lang="fa" dir="rtl">' in email.html
    body_tag = email.html.split("<body", 1)[1].split(">", 1)[0]
    assert 'lang="fa"' in body_tag and 'dir="rtl"' in body_tag
    assert 'style="font-family: Vazirmatn, Tahoma, sans-serif;' in body_tag
    assert FONT_STACK_FA == "Vazirmatn, Tahoma, sans-serif"
    assert email.subject == "سلام Sara"


def test_given_a_whole_document_with_its_own_lang_when_rendered_as_persian_then_lang_and_dir_are_replaced_and_head_kept():
    source = '<html lang="en" dir="ltr"><head><title>T</title><style>p{color:red}</style></head><body class="b"><p>x</p></body></html>'
    email = render_email(TemplateSource("S", "pre", source, "fa"), {})
    assert '<html lang="fa" dir="rtl">' in email.html and 'lang="en"' not in email.html and 'dir="ltr"' not in email.html
    assert 'dir="rtl" lang="fa"' in email.html.split("<body", 1)[1].split(">", 1)[0]
    assert "<title>T</title>" in email.html and 'class="b"' in email.html
    assert "color: red" in email.html


def test_given_the_body_when_rendered_then_the_text_part_keeps_headings_lists_and_links():
    email = render_email(TemplateSource("S", "", "<h1>News</h1><p>Read <a href='https://x.example/a'>the post</a>.</p>"
                                        "<ul><li>One</li><li>Two</li></ul><ol><li>First</li></ol>"), {})
    assert email.text == "News\n====\n\nRead the post (https://x.example/a).\n\n- One\n- Two\n\n1. First"


def test_given_various_html_when_converted_then_the_text_is_readable():
    html = ("<html><head><style>p{}</style><title>no</title></head><body><h2>Sub</h2><h3>Small</h3>"
            "<p>A&amp;B<br>next line</p><a href='https://x.example/'>https://x.example/</a> "
            "<a href='mailto:hi@x.example'></a><a href='#top'>top</a><img alt='Logo' src='l.png'>"
            "<div style='display:none'>hidden</div><hr><table><tr><td>a</td><td>b</td></tr></table>"
            "<script>alert(1)</script></body></html>")
    assert html_to_text(html) == ("Sub\n---\n\nSmall\n\nA&B\nnext line\n\nhttps://x.example/ hi@x.example top Logo\n"
                                  "--------------------\n\na b")


def test_given_persian_html_when_converted_then_the_text_keeps_persian_and_links():
    assert html_to_text("<p>برای دیدن <a href='https://x.example/fa'>اینجا</a> را بزنید</p>") == \
        "برای دیدن اینجا (https://x.example/fa) را بزنید"


def test_given_a_remote_stylesheet_when_rendered_then_it_is_not_fetched_and_the_link_is_dropped():
    # given a link to an address where nothing listens (a fetch would fail or hang)
    email = render_email(TemplateSource("S", "", '<link rel="stylesheet" href="http://127.0.0.1:1/x.css"><p>x</p>'), {})
    assert "<link" not in email.html and "<p>x</p>" in email.html
