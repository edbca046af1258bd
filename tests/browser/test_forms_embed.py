"""Forms in headless Chromium: a marketer builds a form, its embed snippet runs on a plain
page served from another port (cross-origin), a visitor from a newsletter campaign submits
it; and the hosted page works as a plain HTML form post."""

from __future__ import annotations

import functools
import http.server
import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from sarnakh.capture.forms import intake as form_intake
from sarnakh.capture.forms.models import Form, FormSubmission
from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.browser.conftest import log_in, wait
from tests.capture.forms.support import make_form

# Live-server tests are transactional; tests/conftest.py puts the default stages back after each flush.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONSENT = "Send me the spring newsletter"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def other_site(tmp_path):
    """A plain static site on another port: another origin than Sarnakh."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def sarnakh_at_live_server(settings, live_server):
    settings.SARNAKH_BASE_URL = live_server.url
    settings.SARNAKH_FORM_MIN_FILL_SECONDS = 0  # the robot types faster than people
    return live_server


def _field_errors(driver, name: str) -> str:
    return " ".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, f"[data-sarnakh-form] [data-field='{name}'] .sf-error"))


def test_given_form_built_in_ui_when_embedded_on_another_site_then_visitor_submits_and_contact_appears(
    page, sarnakh_at_live_server, marketer, other_site
):
    live_server = sarnakh_at_live_server
    # given: a marketer creates a form in the UI (the builder starts with email and names)
    log_in(page, live_server.url, "marketer1")
    page.get(live_server.url + "/forms/new/")
    page.find_element(By.NAME, "name").send_keys("Spring webinar")
    page.find_element(By.NAME, "slug").send_keys("spring-webinar")
    page.find_element(By.NAME, "consent_enabled").click()
    page.find_element(By.NAME, "consent_en").send_keys(CONSENT)
    page.find_element(By.NAME, "thanks_en").send_keys("See you at the webinar!")
    page.find_element(By.CSS_SELECTOR, "button[name=action][value=save]").click()
    snippet_box = wait(page, EC.presence_of_element_located((By.ID, "embed-snippet")))
    snippet = snippet_box.get_attribute("value")
    assert 'data-sarnakh-form="spring-webinar"' in snippet and live_server.url in snippet
    # ... and puts the snippet on the company's site (another origin)
    site_dir, site_url = other_site
    (site_dir / "landing.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Landing</title></head><body><h1>Spring offer</h1>{snippet}</body></html>",
        encoding="utf-8",
    )
    # when: a visitor from the newsletter opens the page and mistypes the email
    page.delete_all_cookies()
    page.get(f"{site_url}/landing.html?utm_campaign=spring&utm_source=newsletter")
    email = wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] input[name=email]")))
    page.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] input[name=first_name]").send_keys("Negar")
    page.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] input[name=_consent]").click()
    email.send_keys("negar@")
    page.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] button[type=submit]").click()
    # then: the error shows inline under the email field, no reload
    wait(page, lambda d: "valid email" in _field_errors(d, "email"))
    assert page.current_url.startswith(site_url)
    # when: corrected
    email.clear()
    email.send_keys("negar@example.com")
    page.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] button[type=submit]").click()
    # then: the thank-you message replaces the form
    thanks = wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] .sf-thanks")))
    assert thanks.text == "See you at the webinar!"
    assert page.current_url.startswith(f"{site_url}/landing.html")
    form = Form.objects.get(slug="spring-webinar")
    assert list(form.submissions.order_by("id").values_list("status", flat=True)) == ["invalid", "received"]
    assert form.views.filter(kind="embed").count() == 1
    run_pending_jobs()
    contact = Contact.objects.get(email="negar@example.com")
    assert (contact.source_type, contact.channel, contact.utm_campaign, contact.utm_source) == ("inbound", "web_form", "spring", "newsletter")
    assert form.submissions.get(status="processed").visitor_id
    # and the marketer sees the contact with its source, campaign and consent record
    log_in(page, live_server.url, "marketer1")
    page.get(f"{live_server.url}/contacts/{contact.pk}/")
    text = page.find_element(By.TAG_NAME, "main").text
    for expected in ("Inbound", "Web form", "spring", "Subscribed", CONSENT, "Submitted the form"):
        assert expected in text, expected
    page.get(f"{live_server.url}/forms/spring-webinar/")
    assert "negar@example.com" in page.find_element(By.ID, "submissions").text


def test_given_hosted_page_without_javascript_when_posting_then_thank_you_and_contact(page, sarnakh_at_live_server):
    live_server = sarnakh_at_live_server
    make_form(slug="callback")
    # The hosted page uses no script of its own: a plain HTML form post.
    page.get(f"{live_server.url}/f/callback?utm_campaign=autumn&lang=fa")
    assert page.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl"
    assert page.execute_script("return document.scripts.length") == 0
    page.find_element(By.NAME, "email").send_keys("ali@example.com")
    page.find_element(By.NAME, "first_name").send_keys("علی")
    page.find_element(By.NAME, "_consent").click()
    page.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, ".sf-thanks")))
    assert "ممنون" in page.find_element(By.CSS_SELECTOR, ".sf-thanks").text
    submission = FormSubmission.objects.get()
    assert (submission.via, submission.status) == ("hosted", "received")
    run_pending_jobs()
    contact = Contact.objects.get()
    assert (contact.first_name, contact.utm_campaign, contact.consent) == ("علی", "autumn", "subscribed")


def test_given_embed_submission_whose_answer_is_lost_when_the_script_retries_then_stored_once(
    page, sarnakh_at_live_server, other_site, monkeypatch
):
    # given: an embedded form, and a server that stores the first submission but dies before answering
    live_server = sarnakh_at_live_server
    form = make_form(slug="callback")
    thanks = form_intake.thank_you_text
    lost: list[int] = []

    def dies_once(form, language):
        if not lost:
            lost.append(FormSubmission.objects.count())
            raise ConnectionResetError("the process died before answering")
        return thanks(form, language)

    monkeypatch.setattr(form_intake, "thank_you_text", dies_once)
    site_dir, site_url = other_site
    (site_dir / "landing.html").write_text(
        f"<!doctype html><html><head><meta charset='utf-8'><title>Landing</title></head><body>"
        f'<div data-sarnakh-form="{form.slug}"></div><script src="{live_server.url}/f/{form.slug}/embed.js" async></script></body></html>',
        encoding="utf-8",
    )
    # when: a visitor submits once
    page.get(f"{site_url}/landing.html")
    email = wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] input[name=email]")))
    email.send_keys("mina@example.com")
    page.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] button[type=submit]").click()
    # then: the script retried the same attempt on its own and got the stored submission's answer
    thanks_box = wait(page, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] .sf-thanks")))
    assert thanks_box.text == "Thanks, we will call you."
    assert lost == [1]  # the first try was stored before its answer was lost
    submission = FormSubmission.objects.get()
    assert len(submission.idempotency_key) == 36  # crypto.randomUUID()
    run_pending_jobs()
    assert Contact.objects.get().email == "mina@example.com"
