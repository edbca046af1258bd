"""Content-Security-Policy: every page gets the header; inline scripts carry its nonce and
no template relies on inline event handlers, which the policy forbids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import sarnakh

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(sarnakh.__file__).parent.glob("*/templates/**/*.html"))


def _policy(response) -> dict[str, list[str]]:
    directives = [part.strip().split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {d[0]: d[1:] for d in directives}


def test_given_a_staff_page_then_scripts_need_our_origin_or_the_nonce(admin_client):
    response = admin_client.get("/")

    policy = _policy(response)
    nonce = next(source for source in policy["script-src"] if source.startswith("'nonce-"))[len("'nonce-") : -1]
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_given_two_requests_then_two_nonces(admin_client):
    assert _policy(admin_client.get("/"))["script-src"] != _policy(admin_client.get("/"))["script-src"]


@pytest.mark.parametrize("path", ["/login/", "/api/v1/docs"])
def test_given_public_pages_then_they_are_governed_too(client, path):
    assert "default-src" in _policy(client.get(path))


def test_given_any_template_then_no_inline_event_handlers_or_javascript_urls():
    offenders = [
        f"{path.name}: {match.group(0)}"
        for path in TEMPLATES
        for match in re.finditer(r"""\son[a-z]+\s*=|href=["']javascript:""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_given_any_template_then_inline_scripts_carry_the_nonce():
    offenders = [
        f"{path.name}: {tag}"
        for path in TEMPLATES
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", path.read_text(encoding="utf-8"))
        if "csp_nonce" not in tag and 'type="application/json"' not in tag
    ]
    assert TEMPLATES and offenders == []
