"""The email block editor in headless Chromium under the Content-Security-Policy: a
marketer starts a block template, clears the starter, builds heading + text + button,
sees a bad link flagged on its block and the preview follow, saves, and the saved
template opens again in the block editor with its preview."""

from __future__ import annotations

import html

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.mail.content import selectors
from tests.browser.conftest import htmx_idle, log_in, text_of, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _items(driver) -> list[str]:
    # Read in one script: the editor re-renders its list as errors come back, and an element
    # found a moment earlier may be gone by the time its attribute is asked for.
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#block-list > li[data-path]'), li => li.dataset.type);")


def _preview(driver) -> str:
    # One script too: htmx swaps the preview's iframes in and out.
    srcdoc = driver.execute_script("const f = document.querySelector('#mail-preview iframe'); return f ? f.srcdoc : '';")
    return html.unescape(srcdoc or "")


def _type(driver, field: str, text: str) -> None:
    box = driver.find_element(By.CSS_SELECTOR, f'#block-form [data-block-field="{field}"]')
    box.clear()
    box.send_keys(text)


def test_given_the_block_editor_when_a_short_template_is_built_and_saved_then_the_preview_shows_it(page, live_server, marketer):
    contact_upsert(data={"first_name": "Sara", "email": "sara@example.com"}, actor=Actor.system())
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/email/templates/")
    page.find_element(By.ID, "new-block-template").click()
    wait(page, EC.presence_of_element_located((By.ID, "block-editor")))
    wait(page, lambda d: d.execute_script("return document.readyState === 'complete' && !!window.htmx"))
    # the starter: heading, text and button, previewed as the first contact once the form is
    # complete (htmx posts a form only when the browser finds its required fields filled)
    wait(page, lambda d: _items(d) == ["heading", "text", "button"])
    page.find_element(By.NAME, "name").send_keys("Spring news")
    page.find_element(By.NAME, "subject").send_keys("Spring at Sarnakh")
    wait(page, lambda d: "Hello Sara," in _preview(d))
    # when the starter is cleared
    for _ in range(3):
        page.find_element(By.CSS_SELECTOR, '#block-list > li[data-path="blocks[0]"] [data-act="remove"]').click()
    assert _items(page) == []
    htmx_idle(page)
    # and a heading, a text and a button are added and filled in
    page.find_element(By.CSS_SELECTOR, '[data-add="heading"]').click()
    _type(page, "text", 'Hi {{ contact.first_name | default("friend") }}')
    page.find_element(By.CSS_SELECTOR, '[data-add="text"]').click()
    _type(page, "text", "Our <b>spring</b> news")
    page.find_element(By.CSS_SELECTOR, '[data-add="button"]').click()
    _type(page, "label", "Read it")
    _type(page, "href", "javascript:alert(1)")
    assert _items(page) == ["heading", "text", "button"]
    # then the bad link is shown on the button block
    wait(page, lambda d: "must start with https://" in text_of(d, '#block-list > li[data-path="blocks[2]"].has-error .block-errors'))
    assert "must start with https://" in text_of(page, '#block-form [data-block-field="href"] + .block-errors')
    # when it is corrected, the preview follows, personalised
    _type(page, "href", "https://example.com/spring")
    wait(page, lambda d: "Read it" in _preview(d) and "Hi Sara" in _preview(d))
    assert not page.find_elements(By.CSS_SELECTOR, "#block-list .has-error")
    assert "<b>spring</b> news" in _preview(page)
    # and the button moves up above the text
    page.find_element(By.CSS_SELECTOR, '#block-list > li[data-path="blocks[2]"] [data-act="up"]').click()
    assert _items(page) == ["heading", "button", "text"]
    # when saved
    htmx_idle(page)
    page.find_element(By.CSS_SELECTOR, '[data-testid="save"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-success"))
    # then it is stored with its blocks and HTML, and opens again in the block editor with its preview
    template = selectors.template_by_name("Spring news")
    assert [b["type"] for b in template.blocks["blocks"]] == ["heading", "button", "text"]
    assert 'href="https://example.com/spring"' in template.html
    assert page.current_url.endswith(f"/email/templates/{template.pk}/")
    wait(page, lambda d: _items(d) == ["heading", "button", "text"])
    wait(page, lambda d: "Hi Sara" in _preview(d) and "Read it" in _preview(d))


def test_given_the_saved_blocks_page_when_a_testimonial_is_made_then_it_can_be_inserted_into_a_template(page, live_server, marketer):
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/email/saved-blocks/")
    page.find_element(By.CSS_SELECTOR, 'a[href="/email/saved-blocks/new/"]').click()
    wait(page, lambda d: _items(d) == ["text", "text"])
    assert not page.find_elements(By.CSS_SELECTOR, '[data-add="saved"]')  # no saved block inside a saved block
    page.find_element(By.NAME, "name").send_keys("Testimonial")
    page.find_element(By.CSS_SELECTOR, '#block-list > li[data-path="blocks[0]"] .block-pick').click()
    _type(page, "text", "“Sarnakh doubled our MQLs”")
    wait(page, lambda d: "Sarnakh doubled our MQLs" in _preview(d))
    htmx_idle(page)
    page.find_element(By.CSS_SELECTOR, '[data-testid="save"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".alert-success"))
    # when a new block template inserts it
    page.get(live_server.url + "/email/templates/new/blocks/")
    wait(page, lambda d: _items(d) == ["heading", "text", "button"])
    page.find_element(By.CSS_SELECTOR, '[data-add="saved"]').click()
    assert _items(page) == ["heading", "text", "button", "saved"]
    assert "Testimonial" in page.find_element(By.CSS_SELECTOR, '#block-list > li[data-path="blocks[3]"]').text
    page.find_element(By.NAME, "name").send_keys("With a quote")
    page.find_element(By.NAME, "subject").send_keys("Quote")
    # then the preview shows the saved block's content
    wait(page, lambda d: "Sarnakh doubled our MQLs" in _preview(d))
