"""The double opt-in confirmation page in a real browser: a Persian visitor follows the link
from the email the SMTP server received, sees a right-to-left page under the
Content-Security-Policy (the `page` fixture fails on any violation), and the button
subscribes them; opening the page alone does not."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.subscriptions import services
from tests.browser.conftest import wait
from tests.capture.forms.support import make_form, post_json, submission_body
from tests.mail.optin.conftest import inbox, link_path  # noqa: F401 - the SMTP server fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_persian_visitor_confirms_from_the_emailed_link(page, live_server, inbox):  # noqa: F811
    services.topic_seed_defaults()
    form = make_form(slug="khabarnameh", language="fa", double_opt_in=True)
    post_json(form.slug, {**submission_body("maryam@example.com"), "_lang": "fa"})
    run_pending_jobs()
    assert len(inbox.messages) == 1
    # when the visitor opens the link (not logged in)
    page.get(live_server.url + link_path(inbox.messages[0], "/o/"))
    # then the page is Persian, right to left, and nothing changed yet
    assert page.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert page.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    assert "maryam@example.com" in page.find_element(By.CSS_SELECTOR, ".ms-form").text
    assert Contact.objects.get(email="maryam@example.com").consent == "not_asked"
    # when they press the button
    page.find_element(By.CSS_SELECTOR, '[data-testid="confirm"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, ".ms-ok"))
    # then they are subscribed
    assert Contact.objects.get(email="maryam@example.com").consent == "subscribed"
