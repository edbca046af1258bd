"""The segment builder in headless Chromium: a marketer builds the issue's example ("leads
and MQLs who read pricing twice this fortnight, not customers") with condition rows and a
NOT group, watches the live count follow each change, and saves it."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from sarnakh.segments.models import Segment, SegmentMembership
from tests.browser.conftest import htmx_idle, log_in, text_of, wait
from tests.segments.support import page_view, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _select(driver, name: str) -> Select:
    return Select(driver.find_element(By.NAME, name))


def _rows(driver) -> list[str]:
    return [el.get_attribute("data-node") for el in driver.find_elements(By.CSS_SELECTOR, "#builder-tree [data-node]")]


def test_given_pricing_readers_when_the_example_segment_is_built_in_the_browser_then_the_count_follows_and_it_saves(page, live_server, marketer):
    reader = person("reza@acme.example", stage="lead")
    customer = person("omid@globex.example", stage="customer")
    once = person("sara@acme.example", stage="mql")
    person("nima@acme.example", stage="subscriber")
    for cid in (reader, customer):
        page_view(cid, "/pricing", days_ago=2)
        page_view(cid, "/pricing/team", days_ago=6)
    page_view(once, "/pricing", days_ago=1)
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/segments/")
    page.find_element(By.ID, "new-segment").click()
    wait(page, EC.presence_of_element_located((By.ID, "segment-builder")))
    wait(page, lambda d: d.execute_script("return document.readyState === 'complete' && !!window.htmx"))
    page.find_element(By.ID, "segment-name").send_keys("MOFU pricing readers")

    # when: the first row (lifecycle stage is one of; lead is chosen for a start) gets MQL too
    wait(page, lambda d: text_of(d, "#live-count-value") == "1")
    stages = _select(page, "n1-values")
    stages.select_by_value("mql")
    wait(page, lambda d: [o.get_attribute("value") for o in _select(d, "n1-values").all_selected_options] == ["lead", "mql"])
    # then: the count is the people at those stages now (reza and sara)
    wait(page, lambda d: text_of(d, "#live-count-value") == "2")

    # when: a condition row is added and turned into "viewed pages" (the server redraws the row)
    page.find_element(By.CSS_SELECTOR, "[data-add-cond='n0']").click()
    wait(page, lambda d: "n2" in _rows(d))
    htmx_idle(page)
    _select(page, "n2-field").select_by_value("page_views")
    wait(page, lambda d: d.find_elements(By.NAME, "n2-times"))
    htmx_idle(page)
    assert _select(page, "n2-op").first_selected_option.get_attribute("value") == "at_least"
    page.find_element(By.NAME, "n2-times").send_keys("2")
    page.find_element(By.NAME, "n2-days").send_keys("14")
    page.find_element(By.NAME, "n2-path").send_keys("/pricing*")

    # then: the live count narrows to the lead who read pricing twice, shown in the sample
    wait(page, lambda d: text_of(d, "#live-count-value") == "1" and "reza@acme.example" in text_of(d, "#live-sample"))

    # when: a NOT group "stage is customer" is added (nested group, its own row)
    page.find_element(By.CSS_SELECTOR, "[data-add-group='n0']").click()
    wait(page, lambda d: "n4" in _rows(d))
    htmx_idle(page)
    _select(page, "n4-field").select_by_value("stage")
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "select[name='n4-value']"))
    htmx_idle(page)
    _select(page, "n4-value").select_by_value("customer")
    _select(page, "n3-match").select_by_value("all")
    page.find_element(By.NAME, "n3-not").click()
    htmx_idle(page)
    wait(page, lambda d: text_of(d, "#live-count-value") == "1")
    page.find_element(By.ID, "save-segment").click()

    # then: the segment is saved with that tree and its member, and its page shows them
    wait(page, EC.presence_of_element_located((By.ID, "member-count")))
    segment = Segment.objects.get()
    assert segment.filter == {"match": "all", "conditions": [
        {"field": "stage", "op": "in", "value": ["lead", "mql"]},
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
        {"match": "all", "not": True, "conditions": [{"field": "stage", "op": "eq", "value": "customer"}]},
    ]}
    assert list(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True)) == [reader]
    assert text_of(page, "#member-count") == "1" and "reza@acme.example" in text_of(page, "#members")
