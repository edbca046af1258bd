"""A broadcast campaign in a real browser, under the Content-Security-Policy: compose it to a
list (an error first, shown next to its field), review who gets it, send it with the
confirm, let the engine's worker send it to a real SMTP server, and read the progress and
report pages; then the composer in Persian, right to left."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from sarnakh.mail.campaigns import sending
from sarnakh.mail.campaigns.models import Campaign
from tests.browser.conftest import log_in, wait
from tests.mail.campaigns.ui_support import a_list, people, template
from tests.mail.delivery.conftest import sink  # noqa: F401 - a real SMTP server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_marketer_composes_reviews_and_sends_a_campaign_to_a_list(page, live_server, marketer, sink, settings):  # noqa: F811
    settings.SARNAKH_CAMPAIGN_QUIET_HOURS = ""  # send now, whatever the hour the test runs at
    settings.SARNAKH_CAMPAIGN_FREQUENCY_CAP = "0/0"
    ids = people(3) + people(1, start=10, consent="unknown")
    segment_id = a_list(ids, name="Azar readers")
    template_id = template().pk
    log_in(page, live_server.url, "marketer1")
    # the top bar's Email opens the campaigns
    page.find_element(By.CSS_SELECTOR, '.mainnav a[href="/email/campaigns/"]').click()
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, 'a[href="/email/campaigns/new/"]'))
    page.find_element(By.CSS_SELECTOR, '.page-head a[href="/email/campaigns/new/"]').click()
    # a first try without an audience: the error stands next to the field, the typed name stays
    wait(page, lambda d: d.find_elements(By.NAME, "name"))
    page.find_element(By.NAME, "name").send_keys("Azar newsletter")
    Select(page.find_element(By.NAME, "template_id")).select_by_value(str(template_id))
    Select(page.find_element(By.NAME, "topic")).select_by_value("newsletter")
    page.find_element(By.CSS_SELECTOR, '#campaign-form button[type="submit"]').click()
    wait(page, lambda d: d.find_element(By.ID, "errors-segment_id").text.strip())
    assert page.find_element(By.NAME, "name").get_attribute("value") == "Azar newsletter"
    # the list shows its member count in the picker
    picker = Select(page.find_element(By.NAME, "segment_id"))
    assert any("Azar readers" in o.text and "(4)" in o.text for o in picker.options)
    picker.select_by_value(str(segment_id))
    page.find_element(By.CSS_SELECTOR, '#campaign-form button[type="submit"]').click()
    # the review: 4 in the audience, 3 will get it, 1 left out for want of consent
    wait(page, lambda d: d.find_elements(By.ID, "review-counts"))
    figures = {e.get_attribute("data-figure"): e.text for e in page.find_elements(By.CSS_SELECTOR, "#review-counts [data-figure]")}
    assert figures == {"total": "4", "sendable": "3", "excluded": "1"}
    assert "No consent" in page.find_element(By.ID, "excluded-reasons").text
    # send, answering the confirm
    page.find_element(By.CSS_SELECTOR, '#schedule-form button[type="submit"]').click()
    alert = wait(page, lambda d: d.switch_to.alert)
    assert "3 recipients" in alert.text
    alert.accept()
    wait(page, lambda d: d.find_elements(By.ID, "campaign-progress"))
    campaign = Campaign.objects.get(name="Azar newsletter")
    assert campaign.status == "sending"
    assert page.find_elements(By.CSS_SELECTOR, '#campaign-progress form[action$="/pause/"]')
    # the engine's worker sends; the polled progress shows it and stops polling
    sending.run_worker(campaign.pk)
    wait(page, lambda d: d.find_element(By.CSS_SELECTOR, '#campaign-progress [data-figure="sent"]').text == "3", seconds=15)
    assert page.find_element(By.ID, "campaign-progress").get_attribute("data-status") == "sent"
    assert not page.find_elements(By.CSS_SELECTOR, '#campaign-progress form[action$="/pause/"]')  # controls follow the status
    assert sorted(r.recipients[0] for r in sink.received) == [f"person{i}@example.org" for i in range(3)]
    # the report
    page.get(f"{live_server.url}/email/campaigns/{campaign.pk}/report/")
    assert page.find_element(By.CSS_SELECTOR, '[data-figure="sent"]').text == "3"
    assert page.find_element(By.CSS_SELECTOR, '[data-figure="delivered"]').text == "3"


def test_the_composer_in_persian_is_right_to_left_with_persian_digits(page, live_server, marketer):
    a_list(people(12), name="خوانندگان آذر")
    template(name="خبرنامه", language="fa")
    log_in(page, live_server.url, "marketer1")
    page.add_cookie({"name": "django_language", "value": "fa"})

    page.get(live_server.url + "/email/campaigns/new/")

    assert page.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert page.execute_script("return getComputedStyle(document.body).direction") == "rtl"
    options = [o.text for o in Select(page.find_element(By.NAME, "segment_id")).options]
    assert any("خوانندگان آذر" in text and "(۱۲)" in text for text in options)
    tabs = page.find_element(By.CSS_SELECTOR, "nav.mail-nav").text
    assert "کمپین‌ها" in tabs and "قالب‌ها" in tabs
