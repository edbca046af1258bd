"""Headless Chromium for browser tests. Missing Chromium is a failure, never a skip:
the suite promises the pages were checked in a real browser."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("SARNAKH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SARNAKH_CHROMEDRIVER", "/usr/bin/chromedriver")
PASSWORD = "pass-word-123"
WAIT_SECONDS = 10


@pytest.fixture(scope="session")
def browser():
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(path)]
    if missing:
        pytest.fail(
            f"Browser tests need Chromium and its driver; missing: {', '.join(missing)}. "
            "Install the Debian packages `chromium` and `chromium-driver` (.ci/run does this)."
        )
    profile = tempfile.mkdtemp(prefix="sarnakh-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(argument)
    # The console log is where Chromium reports Content-Security-Policy violations.
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def csp_violations(driver) -> list[str]:
    """Content-Security-Policy violations reported since the last call (the log drains)."""
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


@pytest.fixture
def page(browser, live_server):
    """The shared browser, with a clean session for each test. Every page a test opens must
    work under the Content-Security-Policy: a violation fails the test."""
    browser.get(live_server.url + "/login/")
    browser.delete_all_cookies()
    csp_violations(browser)
    yield browser
    violations = csp_violations(browser)
    browser.delete_all_cookies()
    assert violations == [], "Content-Security-Policy violations:\n" + "\n".join(violations)


def wait(driver, condition, seconds: int = WAIT_SECONDS):
    # A condition may read an element of the page that a navigation is replacing.
    return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)).until(condition)


def log_in(driver, base_url: str, username: str, password: str = PASSWORD) -> None:
    driver.get(base_url + "/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "header.topbar")))


def text_of(driver, css: str) -> str:
    """Text of an element that htmx may be swapping right now ("" while it is gone)."""
    try:
        return driver.find_element(By.CSS_SELECTOR, css).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def htmx_idle(driver) -> None:
    """Waits until no htmx request, swap or settle is in progress."""
    wait(
        driver,
        lambda d: d.execute_script(
            "return document.querySelectorAll('.htmx-request,.htmx-swapping,.htmx-settling,.htmx-added').length === 0"
        ),
    )
