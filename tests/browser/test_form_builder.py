"""The form builder in headless Chromium: a marketer adds a choice field with the choices
editor (no value|label syntax, no key to invent) and saves; the page stays CSP-clean."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from sarnakh.capture.forms.models import Form
from tests.browser.conftest import htmx_idle, log_in, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _row(page, index: int):
    return page.find_element(By.CSS_SELECTOR, f"fieldset.builder-row[data-row='{index}']")


def test_given_the_builder_when_adding_a_choice_field_with_the_choices_editor_and_saving_then_saved(page, live_server, marketer):
    # given: a new form, which starts with email and names
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/forms/new/")
    page.find_element(By.NAME, "name").send_keys("Demo request")
    page.find_element(By.NAME, "slug").send_keys("demo-request")
    # when: the marketer adds a field, makes it a choice and gives its choices
    page.find_element(By.CSS_SELECTOR, "button[name=action][value=add]").click()
    row = wait(page, lambda d: _row(d, 3))
    assert row.find_element(By.NAME, "f-3-name").get_attribute("value") == ""
    editor = row.find_element(By.CSS_SELECTOR, ".choices-editor")
    assert not editor.is_displayed()  # a text field has no choices
    row.find_element(By.NAME, "f-3-label_en").send_keys("Company size")
    type_select = Select(row.find_element(By.NAME, "f-3-type"))
    assert "Choice: pick one from a list" in [o.text for o in type_select.options]
    type_select.select_by_visible_text("Choice: pick one from a list")
    wait(page, lambda d: _row(d, 3).find_element(By.CSS_SELECTOR, ".choices-editor").is_displayed())
    htmx_idle(page)
    row = _row(page, 3)
    row.find_element(By.NAME, "f-3-c-0-label_en").send_keys("1–10 people")
    row.find_element(By.NAME, "f-3-c-1-label_en").send_keys("11–50 people")
    htmx_idle(page)
    row.find_element(By.CSS_SELECTOR, "button[name=action][value='choice-add:3']").click()
    third = wait(page, EC.presence_of_element_located((By.NAME, "f-3-c-2-label_en")))
    third.send_keys("More than 50")
    page.find_element(By.NAME, "f-3-c-2-value").send_keys("50_plus")
    htmx_idle(page)
    page.find_element(By.CSS_SELECTOR, "button[name=action][value=save]").click()
    # then: the form is saved with a key made from the label and the three choices
    wait(page, EC.presence_of_element_located((By.ID, "embed-snippet")))
    field = Form.objects.get(slug="demo-request").fields[3]
    assert (field["name"], field["type"]) == ("company_size", "choice")
    assert [c["value"] for c in field["choices"]] == ["1–10 people", "11–50 people", "50_plus"]
    assert field["choices"][2]["label"] == {"en": "More than 50"}
