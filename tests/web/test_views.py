"""The favicon: /favicon.ico answers for everyone (browsers ask for it on every host), and
every page links the brand mark."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_given_anyone_when_asking_for_favicon_ico_then_an_icon_comes_back_cached(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file, not a page
    assert "max-age=604800" in response["Cache-Control"]


def test_given_a_post_to_favicon_ico_then_refused(client):
    assert client.post("/favicon.ico").status_code == 405


@pytest.mark.parametrize(("who", "path"), [("client", "/login/"), ("admin_client", "/")])
def test_given_any_page_then_it_links_the_svg_icon_and_the_ico(request, who, path):
    page = request.getfixturevalue(who).get(path).content.decode()

    assert 'rel="icon" href="/static/web/favicon.svg" type="image/svg+xml"' in page
    assert 'rel="icon" href="/favicon.ico"' in page
