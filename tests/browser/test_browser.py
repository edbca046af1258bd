"""The staff UI in headless Chromium: login, Persian search, inline edit, stage change, XSS."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from tests.browser.conftest import htmx_idle, log_in, text_of, wait

# Live-server tests are transactional; tests/conftest.py puts the default stages back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

XSS = "<script>alert(1)</script>"


def _contact(user, **data):
    return contact_upsert(data=data, actor=Actor.for_user(user)).contact


def _no_alert(driver) -> bool:
    try:
        _alert = driver.switch_to.alert  # raises when there is none
    except NoAlertPresentException:
        return True
    return False


def test_given_user_when_logging_in_then_dashboard_and_wrong_password_refused(page, live_server, admin_user):
    page.get(live_server.url + "/contacts/")
    assert "/login/" in page.current_url
    page.find_element(By.NAME, "username").send_keys("admin1")
    page.find_element(By.NAME, "password").send_keys("wrong-password")
    page.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, ".alert-error")))
    log_in(page, live_server.url, "admin1")
    assert page.find_element(By.TAG_NAME, "h1").text == "Dashboard"
    assert page.find_element(By.CSS_SELECTOR, "html").get_attribute("dir") == "ltr"


def test_given_persian_name_when_typing_it_with_arabic_letters_then_live_search_finds_it(page, live_server, admin_user):
    _contact(admin_user, first_name="علی", last_name="رضایی", email="ali@example.com")
    _contact(admin_user, first_name="John", last_name="Smith", email="john@example.com")
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/contacts/")
    assert "Smith" in text_of(page, "#contact-results")
    page.find_element(By.ID, "q").send_keys("علي")  # Arabic yeh; stored with Persian yeh
    wait(page, lambda d: "Smith" not in text_of(d, "#contact-results"))
    htmx_idle(page)
    results = text_of(page, "#contact-results")
    assert "علی رضایی" in results
    assert "q=" in page.current_url  # live search keeps the address shareable


def test_given_contact_page_when_editing_a_property_inline_then_saved_and_errors_shown(page, live_server, admin_user):
    contact = _contact(admin_user, first_name="Mina", email="mina@example.com")
    log_in(page, live_server.url, "admin1")
    page.get(f"{live_server.url}/contacts/{contact.pk}/")
    page.find_element(By.CSS_SELECTOR, "#field-job_title .prop-edit").click()
    field_input = wait(page, EC.element_to_be_clickable((By.ID, "input-job_title")))
    field_input.send_keys("Head of Growth")
    page.find_element(By.CSS_SELECTOR, "#field-job_title button[type=submit]").click()
    wait(page, lambda d: "Head of Growth" in text_of(d, "#field-job_title .prop-value"))
    htmx_idle(page)
    # The timeline hears about the change and refreshes itself.
    wait(page, lambda d: "Head of Growth" in text_of(d, "#timeline"))
    htmx_idle(page)
    contact.refresh_from_db()
    assert contact.job_title == "Head of Growth"

    page.find_element(By.CSS_SELECTOR, "#field-email .prop-edit").click()
    email_input = wait(page, EC.element_to_be_clickable((By.ID, "input-email")))
    email_input.clear()
    email_input.send_keys("not-an-email")
    page.find_element(By.CSS_SELECTOR, "#field-email button[type=submit]").click()
    error = wait(page, EC.visibility_of_element_located((By.CSS_SELECTOR, "#field-email .field-error")))
    htmx_idle(page)
    assert "valid email" in error.text
    contact.refresh_from_db()
    assert contact.email == "mina@example.com"


def test_given_contact_when_changing_stage_then_history_shown_and_backward_move_needs_reason(page, live_server, admin_user):
    contact = _contact(admin_user, first_name="Mina", email="mina@example.com", stage="lead")
    log_in(page, live_server.url, "admin1")
    page.get(f"{live_server.url}/contacts/{contact.pk}/")

    Select(page.find_element(By.ID, "stage-select")).select_by_value("mql")
    page.find_element(By.ID, "stage-submit").click()
    wait(page, lambda d: "Marketing qualified lead" in text_of(d, "#current-stage"))
    htmx_idle(page)
    history = text_of(page, "#stage-history")
    assert "Lead" in history and "Marketing qualified lead" in history
    assert text_of(page, "#stage-badge") == "Marketing qualified lead"

    Select(page.find_element(By.ID, "stage-select")).select_by_value("lead")
    page.find_element(By.ID, "stage-submit").click()
    error = wait(page, EC.visibility_of_element_located((By.ID, "stage-error")))
    htmx_idle(page)
    assert "needs a reason" in error.text
    assert text_of(page, "#current-stage") == "Marketing qualified lead"

    page.find_element(By.ID, "stage-reason").send_keys("Budget frozen until autumn")
    page.find_element(By.ID, "stage-recycled").click()
    wait(page, lambda d: "Recycled" in text_of(d, "#current-stage"))
    htmx_idle(page)
    assert "Budget frozen until autumn" in text_of(page, "#stage-history")
    wait(page, lambda d: "Budget frozen until autumn" in text_of(d, "#timeline"))
    htmx_idle(page)
    assert StageChange.objects.filter(contact=contact, to_stage="recycled", reason="Budget frozen until autumn").exists()
    assert Contact.objects.get(pk=contact.pk).stage_id == "recycled"


def test_given_contact_named_with_script_when_shown_then_text_is_literal_and_nothing_runs(page, live_server, admin_user):
    contact = _contact(admin_user, first_name=XSS, email="xss@example.com")
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/contacts/")
    assert _no_alert(page)
    assert XSS in text_of(page, "#contact-results")
    page.get(f"{live_server.url}/contacts/{contact.pk}/")
    assert _no_alert(page)
    assert text_of(page, "#contact-name") == XSS
    assert page.execute_script("return document.querySelectorAll('main script').length") == 0


def test_given_persian_chosen_when_switching_language_then_page_is_rtl(page, live_server, admin_user):
    log_in(page, live_server.url, "admin1")
    page.find_element(By.CSS_SELECTOR, ".topbar button[value=fa]").click()
    wait(page, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl")
    htmx_idle(page)
    assert page.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fa"
