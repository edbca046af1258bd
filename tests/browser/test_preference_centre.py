"""The public preference centre and unsubscribe page in a real browser, in Persian (right
to left) and English, under the Content-Security-Policy (the `page` fixture fails on any
violation), without logging in."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from sarnakh.contacts.selectors import contact_get
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.mail.subscriptions import selectors, services
from sarnakh.mail.subscriptions.tokens import make_token
from tests.browser.conftest import wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_persian_contact_leaves_a_topic_then_switches_to_english_and_leaves_everything(page, live_server):
    services.topic_seed_defaults()
    contact = contact_upsert(data={"email": "maryam@example.com", "consent": "subscribed", "language": "fa"},
                             actor=Actor.system()).contact
    url = live_server.url + "/p/" + make_token(contact_id=contact.pk, message_id="m-9")
    # when the contact opens the link from an email (not logged in)
    page.get(url)
    # then the page is Persian and laid out right to left
    assert page.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert page.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    assert "تنظیمات ایمیل" in page.find_element(By.TAG_NAME, "h1").text
    boxes = page.find_elements(By.CSS_SELECTOR, 'input[name="topic"]')
    assert len(boxes) == 3 and all(b.is_selected() for b in boxes)
    # when they untick the newsletter and save
    page.find_element(By.CSS_SELECTOR, 'input[name="topic"][value="newsletter"]').click()
    page.find_element(By.CSS_SELECTOR, '[data-testid="save"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".ms-ok"))
    # then the newsletter is left, the rest kept, and the form shows it
    assert selectors.opted_out_topic_keys(contact.pk) == {"newsletter"}
    assert not page.find_element(By.CSS_SELECTOR, 'input[name="topic"][value="newsletter"]').is_selected()
    # when they switch to English
    page.find_element(By.CSS_SELECTOR, '.ms-lang a[hreflang="en"]').click()
    wait(page, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert page.execute_script("return getComputedStyle(document.body).direction") == "ltr"
    assert "Email preferences" in page.find_element(By.TAG_NAME, "h1").text
    # and tick "unsubscribe from all" and save
    page.find_element(By.CSS_SELECTOR, 'input[name="unsubscribe_all"]').click()
    page.find_element(By.CSS_SELECTOR, '[data-testid="save"]').click()
    wait(page, lambda d: "unsubscribed from all" in d.find_element(By.CSS_SELECTOR, ".ms-ok").text)
    # then no marketing email may reach them
    assert selectors.marketing_allowed(contact_get(contact.pk), "product-news") == (False, "unsubscribed_all")


def test_the_unsubscribe_page_asks_then_the_button_unsubscribes(page, live_server):
    services.topic_seed_defaults()
    contact = contact_upsert(data={"email": "omid@example.com", "consent": "subscribed", "language": "en"},
                             actor=Actor.system()).contact
    page.get(live_server.url + "/u/" + make_token(contact_id=contact.pk))
    assert contact_get(contact.pk).consent == "subscribed"  # opening the page changed nothing
    page.find_element(By.CSS_SELECTOR, '[data-testid="unsubscribe"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".ms-ok"))
    assert contact_get(contact.pk).consent == "unsubscribed"
