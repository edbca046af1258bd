"""The contacts list and the contact page in a real browser: a sortable header reorders
the results and the Sort menu follows; the stage bar shows whole stage names in both
languages."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.scoring.services import contacts_rescore_all
from tests.browser.conftest import htmx_idle, log_in, text_of, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contact(user, **data):
    return contact_upsert(data=data, actor=Actor.for_user(user)).contact


def test_given_scored_contacts_when_clicking_the_score_header_twice_then_high_then_low_first(page, live_server, admin_user):
    _contact(admin_user, first_name="Top", last_name="Lead", email="boss@acme.io", job_title="Sales Manager")
    _contact(admin_user, first_name="Low", last_name="Lead", email="low.lead@gmail.com")
    contacts_rescore_all()
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/contacts/")

    page.find_element(By.CSS_SELECTOR, "th a.th-sort[href*='sort=score_high']").click()
    wait(page, lambda d: "sort=score_high" in d.current_url)
    htmx_idle(page)
    results = text_of(page, "#contact-results")
    assert results.index("Top Lead") < results.index("Low Lead")
    assert page.find_element(By.ID, "sort-select").get_attribute("value") == "score_high"

    page.find_element(By.CSS_SELECTOR, "th[aria-sort=descending] a.th-sort").click()
    wait(page, lambda d: "sort=score_low" in d.current_url)
    htmx_idle(page)
    results = text_of(page, "#contact-results")
    assert results.index("Low Lead") < results.index("Top Lead")
    assert page.find_element(By.ID, "sort-select").get_attribute("value") == "score_low"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_the_stage_bar_when_shown_then_no_stage_name_is_cut(page, live_server, admin_user, language):
    contact = _contact(admin_user, first_name="Mina", stage="mql")
    log_in(page, live_server.url, "admin1")
    page.add_cookie({"name": "django_language", "value": language})
    page.get(f"{live_server.url}/contacts/{contact.pk}/")

    cut = page.execute_script(
        "return [...document.querySelectorAll('.stepper li')].filter(li => li.scrollWidth > li.clientWidth + 1).map(li => li.textContent)"
    )
    assert cut == []
