"""List hygiene in a real browser: tick every pair with the header box, merge them in one go."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from sarnakh.contacts.models import Contact
from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from tests.browser.conftest import csp_violations, log_in, wait

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_given_two_planted_pairs_when_all_are_ticked_and_merged_then_two_records_remain(page, live_server, admin_user):
    actor = Actor.for_user(admin_user)
    for data in ({"first_name": "Sara", "last_name": "Tehrani", "email": "sara.tehrani@gmail.com"},
                 {"first_name": "Sara", "last_name": "Tehrani", "email": "saratehrani+x@googlemail.com"},
                 {"first_name": "علي", "last_name": "كريمي", "email": "ali@pars.ir", "company": "Pars"},
                 {"first_name": "علی", "last_name": "کریمی", "email": "a.k@pars.ir", "company": "Pars"}):
        contact_upsert(data=data, actor=actor)
    log_in(page, live_server.url, "admin1")
    page.get(live_server.url + "/hygiene/duplicates/")
    assert len(page.find_elements(By.CSS_SELECTOR, "#duplicate-pairs tbody tr")) == 2

    page.find_element(By.CSS_SELECTOR, "#duplicate-pairs [data-select-all]").click()
    assert all(box.is_selected() for box in page.find_elements(By.CSS_SELECTOR, 'input[name="ids"]'))
    page.find_element(By.CSS_SELECTOR, 'button[name="action"][value="merge"]').click()

    wait(page, lambda d: "2 pairs merged" in d.find_element(By.CSS_SELECTOR, ".messages").text)
    assert Contact.objects.filter(merged_into__isnull=True).count() == 2
    assert csp_violations(page) == []
