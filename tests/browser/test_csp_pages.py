"""Every page under the Content-Security-Policy in headless Chromium: no violation is
reported (the `page` fixture fails the test on any), scripts still work (htmx, the
confirm and copy buttons that used to be inline handlers), and the API docs page renders
its operations from assets served here."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from sarnakh.contacts.company_services import company_create
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.tracking.sites.services import site_create
from sarnakh.webhooks.services import webhook_create
from tests.browser.conftest import csp_violations, htmx_idle, log_in, text_of, wait
from tests.capture.forms.support import make_form

# Live-server tests are transactional; tests/conftest.py puts the defaults back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PAGES = [
    "/", "/contacts/", "/contacts/{contact}/", "/companies/", "/companies/{company}/", "/imports/",
    "/forms/", "/forms/new/", "/forms/{form}/", "/forms/{form}/edit/",
    "/tracking/live/", "/tracking/pages/", "/tracking/attribution/",
    "/scoring/", "/scoring/models/default/", "/scoring/models/default/versions/", "/scoring/distribution/",
    "/scoring/backtest/", "/scoring/predictive/",
    "/settings/", "/settings/properties/", "/settings/users/", "/settings/api-keys/", "/settings/password/",
    "/settings/tracking/", "/settings/tracking/{site}/", "/settings/channels/",
    "/settings/webhooks/", "/settings/webhooks/new/", "/settings/webhooks/{webhook}/",
    "/hygiene/", "/hygiene/?flag=role", "/hygiene/duplicates/", "/hygiene/inactive/",
]


@pytest.fixture
def data(admin_user):
    actor = Actor.for_user(admin_user)
    company = company_create(data={"name": "Acme"}, actor=actor)
    contact = contact_upsert(data={"first_name": "Sara", "email": "sara@example.com", "company": company.pk}, actor=actor).contact
    return {
        "contact": contact.pk, "company": company.pk, "form": make_form().slug, "site": site_create(name="Shop", origins=["https://shop.example.com"]).pk,
        "webhook": webhook_create(url="https://hooks.invalid/sarnakh", events=["*"], name="CRM").pk,
    }


def _settled(driver) -> None:
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    htmx_idle(driver)


def test_given_every_staff_page_when_opened_then_no_policy_violation(page, live_server, data):
    log_in(page, live_server.url, "admin1")

    for path in STAFF_PAGES:
        page.get(live_server.url + path.format(**data))
        _settled(page)
        assert page.find_elements(By.CSS_SELECTOR, "header.topbar"), path
        assert page.execute_script("return document.documentElement.classList.contains('js')"), path
        assert csp_violations(page) == [], path


def test_given_hosted_form_and_login_page_then_no_policy_violation(page, live_server, data):
    page.get(live_server.url + f"/f/{data['form']}")
    _settled(page)
    assert page.find_elements(By.CSS_SELECTOR, "form.sf-form")
    page.get(live_server.url + "/login/")
    _settled(page)
    assert csp_violations(page) == []


def test_given_the_policy_when_searching_contacts_then_htmx_still_swaps_results(page, live_server, admin_user, data):
    contact_upsert(data={"first_name": "Bahram", "email": "bahram@example.com"}, actor=Actor.for_user(admin_user))
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/contacts/")
    assert "Sara" in text_of(page, "#contact-results")

    page.find_element(By.ID, "q").send_keys("Bahram")

    wait(page, lambda d: "Sara" not in text_of(d, "#contact-results"))
    htmx_idle(page)
    assert "Bahram" in text_of(page, "#contact-results")


def test_given_a_confirm_form_when_dismissed_then_nothing_sent_and_when_accepted_then_sent(page, live_server, data):
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/settings/channels/")
    button = "form[data-confirm] button[type=submit]"

    page.find_element(By.CSS_SELECTOR, button).click()
    wait(page, EC.alert_is_present()).dismiss()
    assert not page.find_elements(By.CSS_SELECTOR, ".alert-success")

    page.find_element(By.CSS_SELECTOR, button).click()
    wait(page, EC.alert_is_present()).accept()
    wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, ".alert-success")))


def test_given_the_copy_button_when_clicked_then_the_snippet_is_selected(page, live_server, data):
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + f"/forms/{data['form']}/")

    page.find_element(By.CSS_SELECTOR, "[data-copy-from='embed-snippet']").click()

    selected = page.execute_script(
        "var t = document.getElementById('embed-snippet'); return document.activeElement === t && t.selectionEnd - t.selectionStart;"
    )
    assert selected and selected > 20


def test_given_the_api_docs_page_then_operations_render_from_local_assets(page, live_server, admin_user):
    page.get(live_server.url + "/api/v1/docs")

    wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))
    assert len(page.find_elements(By.CSS_SELECTOR, ".opblock")) > 20
    resources = page.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert resources and all(url.startswith(live_server.url) for url in resources), resources
