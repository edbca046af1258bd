"""The copy-paste snippet and the tracker script it loads from /t/sarnakh.js."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from sarnakh.tracking.snippet import snippet_html
from sarnakh.tracking.snippet_views import SCRIPT_FILE, minify

GZIP_LIMIT = 5 * 1024


@pytest.fixture
def client():
    return Client()


def _literals(html: str) -> list[str]:
    """The arguments the snippet passes to its inline function."""
    call = re.search(r"\}\)\(window, document, (.*)\);\n</script>", html)
    assert call, html
    return json.loads("[" + call.group(1).replace("<\\/", "</") + "]")


def test_given_gzip_accepted_when_fetching_tracker_then_small_cacheable_public_javascript(client):
    # when
    response = client.get("/t/sarnakh.js", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < GZIP_LIMIT
    source = gzip.decompress(response.content).decode("utf-8")
    assert "/api/v1/events" in source and "sendBeacon" in source


def test_given_no_gzip_when_fetching_tracker_then_plain_minified_file_still_under_limit_once_gzipped(client):
    response = client.get(reverse("tracking:script"))
    assert response.status_code == 200
    assert "Content-Encoding" not in response
    body = response.content.decode("utf-8")
    assert body == minify(SCRIPT_FILE.read_text(encoding="utf-8"))
    # minified: no indentation and no comment lines left, and smaller than the readable file
    assert not any(line.startswith((" ", "//")) for line in body.splitlines())
    assert len(body) < len(SCRIPT_FILE.read_text(encoding="utf-8"))
    assert len(gzip.compress(response.content)) < GZIP_LIMIT


def test_given_gzip_refused_with_q_zero_when_fetching_then_plain(client):
    response = client.get("/t/sarnakh.js", HTTP_ACCEPT_ENCODING="gzip;q=0, identity")
    assert "Content-Encoding" not in response
    assert response.content.startswith(b"/*")


def test_given_browser_has_current_copy_when_revalidating_then_304(client):
    etag = client.get("/t/sarnakh.js")["ETag"]
    response = client.get("/t/sarnakh.js", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""


def test_given_post_when_requesting_tracker_then_405(client):
    assert client.post("/t/sarnakh.js").status_code == 405
    assert client.head("/t/sarnakh.js").status_code == 200


def test_minify_keeps_code_lines_and_drops_only_comment_lines_and_indentation():
    source = "(function () {\n  // why\n    var a = 'http://x'; // kept: not a full-line comment\n\n  return a;\n})();\n"
    assert minify(source) == "(function () {\nvar a = 'http://x'; // kept: not a full-line comment\nreturn a;\n})();\n"


def test_given_site_key_and_base_url_when_rendering_snippet_then_loads_tracker_from_sarnakh():
    html = snippet_html(site_key="site_abc123", base_url="https://crm.example.com/")
    assert html.startswith("<!-- Sarnakh tracking -->\n<script>")
    assert _literals(html) == ["site_abc123", "https://crm.example.com/t/sarnakh.js", True]
    # the stub queues the four methods as [method, args]
    assert '["track", "identify", "consent", "page"]' in html and "s.q.push([m, [].slice.call(arguments)])" in html


def test_given_dnt_switched_off_when_rendering_snippet_then_script_told_to_ignore_it():
    html = snippet_html(site_key="site_abc", base_url="https://crm.example.com", respect_dnt=False)
    assert _literals(html)[2] is False
    assert 'e.setAttribute("data-dnt", "ignore")' in html


def test_given_values_with_script_end_tag_when_rendering_snippet_then_they_cannot_close_the_tag():
    # given: hostile values (a key is never like this, but the snippet must not trust it)
    html = snippet_html(site_key='k</script><script>alert(1)</script>', base_url='https://x.example/"</SCRIPT>')
    # then: only the snippet's own closing tag exists, and the values survive intact
    assert html.lower().count("</script") == 1
    key, src, _ = _literals(html)
    assert key == "k</script><script>alert(1)</script>"
    assert src == 'https://x.example/"</SCRIPT>/t/sarnakh.js'
