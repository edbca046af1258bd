"""The scoring model editor in headless Chromium: a marketer adds an engagement rule row
with its condition in the browser, previews the impact in place, saves, and watches the
re-score reach done."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.scoring.models import RescoreRun, ScoringModel
from tests.browser.conftest import log_in, text_of, wait
from tests.scoring.test_models_services import T0, hot_lead, make_contact

# Live-server tests are transactional; tests/conftest.py puts the default model back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _rules(driver, kind: str) -> list:
    return driver.find_elements(By.CSS_SELECTOR, f"#{kind}-rules tbody[data-rule]")


def test_given_the_editor_when_adding_a_rule_row_previewing_and_saving_then_contacts_are_rescored(page, live_server, marketer):
    hot_lead(make_contact(email="hot@acme-industries.com"), at=T0)
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/scoring/models/default/")
    before = len(_rules(page, "engagement"))

    # when: a new engagement rule row is added in the browser (no page load) and filled in
    page.find_element(By.ID, "add-engagement-rule").click()
    wait(page, lambda d: len(_rules(d, "engagement")) == before + 1)
    row = _rules(page, "engagement")[-1]
    token = row.get_attribute("data-rule")
    assert token == f"e{before}" and "/scoring/models/default/" in page.current_url
    row.find_element(By.NAME, f"{token}-key").send_keys("webinar")
    row.find_element(By.NAME, f"{token}-label").send_keys("Joined a webinar")
    row.find_element(By.NAME, f"{token}-points").send_keys("12")
    Select(row.find_element(By.NAME, f"{token}-event_type")).select_by_value("track")
    row.find_element(By.NAME, f"{token}-event_name").send_keys("webinar_joined")
    Select(row.find_element(By.NAME, f"{token}-intent")).select_by_value("high")
    # ... with a condition on a custom event property: the value box hides for "is filled in"
    row.find_element(By.CSS_SELECTOR, "[data-add-cond]").click()
    condition = wait(page, lambda d: row.find_element(By.CSS_SELECTOR, f"[data-cond='{token}c0']"))
    Select(condition.find_element(By.NAME, f"{token}c0-field")).select_by_value("properties.")
    condition.find_element(By.NAME, f"{token}c0-prop").send_keys("topic")
    Select(condition.find_element(By.NAME, f"{token}c0-op")).select_by_value("is_set")
    assert not condition.find_element(By.NAME, f"{token}c0-value").is_displayed()
    # ... and the new row moves up one place
    row.find_element(By.CSS_SELECTOR, "[data-row-action=up]").click()
    wait(page, lambda d: _rules(d, "engagement")[-2].get_attribute("data-rule") == token)

    # then: the impact preview comes back in place, without leaving the page
    page.find_element(By.ID, "preview-button").click()
    wait(page, EC.presence_of_element_located((By.ID, "preview-contacts")))
    assert text_of(page, "#preview-contacts") == "1"
    assert page.find_element(By.NAME, f"{token}-key").get_attribute("value") == "webinar"  # nothing reloaded

    # when: saved with a note
    page.find_element(By.ID, "version-note").send_keys("Webinars count")
    page.find_element(By.ID, "save-button").click()
    wait(page, EC.presence_of_element_located((By.ID, "rescore-progress")))
    assert "/scoring/rescores/" in page.current_url

    # then: the new version holds the rule where it was put, and the progress reaches done
    version = ScoringModel.objects.get(key="default").current_version
    assert (version.number, version.note) == (2, "Webinars count")
    keys = [r["key"] for r in version.spec["engagement_rules"]]
    assert keys.index("webinar") == len(keys) - 2
    webinar = version.spec["engagement_rules"][keys.index("webinar")]
    assert (webinar["event_name"], webinar["points"], webinar["intent"]) == ("webinar_joined", 12, "high")
    assert webinar["conditions"] == [{"field": "properties.topic", "op": "is_set", "value": None}]
    run_pending_jobs()
    wait(page, lambda d: text_of(d, "#rescore-status") == "Done")
    assert RescoreRun.objects.get().status == RescoreRun.DONE
    assert page.find_element(By.CSS_SELECTOR, "#rescore-progress progress").get_attribute("value") == "100"
