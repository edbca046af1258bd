"""Link instrumentation: every http(s) link of the HTML and the plain text becomes a signed
click redirect carrying UTM parameters; mailto, tel, anchors and Sarnakh's own unsubscribe
and preference links stay; an open pixel goes before </body>. And the link checker."""

from __future__ import annotations

import html as htmllib
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import translation

from sarnakh.mail.tracking import links
from sarnakh.mail.tracking.tokens import read_click_token, read_open_token

BASE = "https://crm.example.ir"


@pytest.fixture(autouse=True)
def base_url(settings):
    settings.SARNAKH_BASE_URL = BASE


def _hrefs(html: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def _destination(tracked: str) -> str:
    assert tracked.startswith(BASE + links.CLICK_PATH)
    email_id, url = read_click_token(tracked[len(BASE + links.CLICK_PATH):])
    assert email_id == 42
    return url


def test_given_links_in_html_when_instrumented_then_each_goes_through_a_signed_redirect_with_utm():
    html = ('<html><body><p><a href="https://example.ir/pricing?plan=pro&amp;x=1">قیمت</a> '
            "<a class='b' href='http://example.com/blog'>blog</a></p></body></html>")
    new_html, _text = links.instrument(html, "", email_id=42, utm={"campaign": "azar-1405", "content": "hero"})
    first, second = (_destination(h) for h in _hrefs(new_html))
    query = parse_qs(urlsplit(first).query)
    assert urlsplit(first).path == "/pricing"
    assert query == {"plan": ["pro"], "x": ["1"], "utm_source": ["sarnakh"], "utm_medium": ["email"],
                     "utm_campaign": ["azar-1405"], "utm_content": ["hero"]}
    assert second.startswith("http://example.com/blog?utm_source=sarnakh&utm_medium=email&utm_campaign=azar-1405")


def test_given_a_link_with_its_own_utm_when_instrumented_then_its_values_are_kept_and_only_missing_ones_added():
    html = '<a href="https://example.ir/?utm_source=partner&amp;utm_campaign=spring">x</a>'
    new_html, _ = links.instrument(html, "", email_id=42, utm={"campaign": "azar"})
    query = parse_qs(urlsplit(_destination(_hrefs(new_html)[0])).query)
    assert query == {"utm_source": ["partner"], "utm_campaign": ["spring"], "utm_medium": ["email"]}


def test_given_an_outlook_vml_button_when_instrumented_then_its_link_is_tracked_too():
    html = ('<body><!--[if mso]><v:roundrect xmlns:v="urn:schemas-microsoft-com:vml" href="https://example.ir/demo" '
            'style="height:40px"><![endif]--><a href="https://example.ir/demo">Book a demo</a></body>')
    new_html, _ = links.instrument(html, "", email_id=42, utm=None)
    assert [urlsplit(_destination(h)).path for h in _hrefs(new_html)] == ["/demo", "/demo"]


def test_given_untracked_links_when_instrumented_then_they_stay_as_they_were():
    own_unsubscribe = BASE + reverse("subscriptions:one_click", args=["tok"])
    own_preferences = BASE + reverse("subscriptions:preferences", args=["tok"])
    untouched = ["mailto:hello@example.ir", "tel:+982112345678", "#top", own_unsubscribe, own_preferences, "/relative"]
    html = "<body>" + "".join(f'<a href="{u}">x</a>' for u in untouched) + "</body>"
    new_html, _ = links.instrument(html, "", email_id=42, utm=None)
    assert _hrefs(new_html) == untouched


def test_given_a_document_when_instrumented_then_a_one_pixel_image_sits_just_before_the_body_ends():
    new_html, _ = links.instrument("<html><body><p>Hi</p></BODY></html>", "", email_id=42, utm=None)
    pixel = re.search(r'<img src="([^"]+)" width="1" height="1" alt=""[^>]*/></BODY>', new_html)
    assert pixel
    src = htmllib.unescape(pixel.group(1))
    assert src.startswith(BASE + links.OPEN_PATH) and src.endswith(".gif")
    assert read_open_token(src[len(BASE + links.OPEN_PATH):-4]) == 42


def test_given_a_plain_text_part_when_instrumented_then_its_urls_are_rewritten_and_punctuation_kept():
    text = ("Read the post (https://example.ir/blog/سلام) today.\nPricing: https://example.ir/pricing.\n"
            "Write to mailto:hi@example.ir or unsubscribe: " + BASE + "/u/tok")
    _html, new_text = links.instrument("", text, email_id=42, utm={"campaign": "c"})
    urls = re.findall(r"https://\S+", new_text)
    assert _destination(urls[0].rstrip(")")).startswith("https://example.ir/blog/سلام?utm_source=sarnakh")
    assert new_text.split("\n")[0].endswith(") today.")
    assert new_text.split("\n")[1].endswith(".") and _destination(urls[1].rstrip(".")).startswith("https://example.ir/pricing?")
    assert new_text.endswith(BASE + "/u/tok")


def test_given_the_same_message_when_instrumented_twice_then_the_output_is_the_same():
    html = '<body><a href="https://example.ir/a">a</a></body>'
    assert links.instrument(html, "https://example.ir/b", email_id=7, utm=None) == links.instrument(
        html, "https://example.ir/b", email_id=7, utm=None)


def test_the_paths_the_links_name_are_the_routes():
    assert reverse("mail_tracking:click", args=["t"]) == links.CLICK_PATH + "t"
    assert reverse("mail_tracking:pixel", args=["t"]) == links.OPEN_PATH + "t.gif"


@pytest.mark.parametrize(("href", "code", "severity"), [
    ("", "empty", "error"),
    ("javascript:alert(1)", "javascript", "error"),
    (" JavaScript :void(0)", "javascript", "error"),
    ("https://exa mple.ir/a", "spaces", "error"),
    ("https://[::1/", "malformed", "error"),
    ("https://example.ir:port/", "malformed", "error"),
    ("https:///path", "no_host", "error"),
    ("https://intranet/", "no_host", "error"),
    ("/pricing", "relative", "error"),
    ("http://example.ir/", "insecure", "warning"),
])
def test_given_a_bad_link_when_checked_then_its_issue_is_named(href, code, severity):
    [issue] = links.link_issues(f'<p><a href="{href}">x</a></p>')
    assert (issue.code, issue.severity, issue.url) == (code, severity, href)
    assert issue.message


def test_given_good_links_when_checked_then_there_is_nothing_to_say():
    html = ('<a href="https://example.ir/a?b=1&amp;c=2">a</a><a href="mailto:x@example.ir">m</a>'
            '<a href="tel:+98">t</a><a href="#top">t</a><a data-href="javascript:x" href="https://example.ir">x</a>')
    assert links.link_issues(html) == []


def test_given_persian_when_checked_then_the_message_is_translated():
    with translation.override("fa"):
        [issue] = links.link_issues('<a href="http://example.ir/">x</a>')
    assert issue.message != "A link uses http: prefer https."
