"""The login page in a real browser: the card sits in the middle of the window in both
languages, and the icons it links load under the Content-Security-Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CARD_MARGINS = """
const box = document.querySelector('.auth-card').getBoundingClientRect();
return [box.left, window.innerWidth - box.right, box.top, window.innerHeight - box.bottom];
"""
ICONS_LOADED = """
const done = arguments[arguments.length - 1];
const hrefs = [...document.querySelectorAll('link[rel=icon]')].map(link => link.href);
Promise.all(hrefs.map(href => fetch(href).then(r => [r.status, r.headers.get('content-type')]))).then(done);
"""


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_login_page_when_opened_then_the_card_is_centred_and_the_icons_load(page, live_server, language):
    page.get(live_server.url + "/login/")
    page.add_cookie({"name": "django_language", "value": language})
    page.get(live_server.url + "/login/")

    left, right, top, bottom = page.execute_script(CARD_MARGINS)
    assert abs(left - right) <= 2 and left > 100, (left, right)
    assert abs(top - bottom) <= 2, (top, bottom)
    assert page.execute_async_script(ICONS_LOADED) == [[200, "image/svg+xml"], [200, "image/x-icon"]]
