"""The tracker in headless Chromium, on a company's site served from another port.

The first tests watch the wire: the site serves its own copy of /t/sarnakh.js, so the
tracker talks to a scripted events endpoint on the same server (batching, retries,
identity, consent). The last ones run against Sarnakh itself: a visitor browses, clicks
and fills a form, and the contact page shows everything they did; events sent as the
page goes away still arrive; refusals and Do-Not-Track send nothing."""

from __future__ import annotations

import shutil
import tempfile
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.tracking.models import Event, Session
from sarnakh.tracking.processor import process_pending_events
from sarnakh.tracking.sites.services import site_create
from sarnakh.tracking.snippet import snippet_html
from tests.browser import tracking_site
from tests.browser.conftest import CHROMEDRIVER, CHROMIUM, log_in, wait
from tests.browser.tracking_site import DESKTOP_CHROME, StaticSite, page
from tests.capture.forms.support import make_form

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=spring-launch"
ID_ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-")
# Chromium's own Do-Not-Track switch is a profile setting; this is what a page sees when it is on.
DNT_ON = "Object.defineProperty(Navigator.prototype, 'doNotTrack', {get: function () { return '1'; }});"


@pytest.fixture
def make_driver():
    """Chromium that calls itself desktop Chrome: Sarnakh rightly flags HeadlessChrome as a bot."""
    started = []

    def make(*, dnt: bool = False):
        profile = tempfile.mkdtemp(prefix="sarnakh-chrome-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for argument in (
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage",
            "--window-size=1280,900", f"--user-agent={DESKTOP_CHROME}", f"--user-data-dir={profile}",
        ):
            options.add_argument(argument)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        started.append((driver, profile))
        if dnt:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DNT_ON})
        return driver

    yield make
    for driver, profile in started:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def driver(make_driver):
    return make_driver()


@pytest.fixture
def site():
    server = tracking_site.start(site := StaticSite())
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


def tracker_loaded(driver) -> None:
    wait(driver, lambda d: d.execute_script("return !!(window.sarnakh && window.sarnakh.loaded)"))


def cookie_vid(driver) -> str | None:
    cookie = driver.get_cookie("sarnakh_vid")
    return cookie["value"] if cookie else None


# ---------------------------------------------------------------- on the wire (scripted endpoint)


def test_given_visitor_from_newsletter_when_page_loads_then_one_page_view_with_context_and_lasting_cookie(driver, site):
    # given: a page with the snippet (the tracker comes from the site's own copy)
    url = site.add("/pricing.html", page("Pricing", "<h1>Plans</h1>", snippet_html(site_key="site_wire", base_url=site.url)))
    # when
    driver.get(f"{url}?{UTM}")
    tracker_loaded(driver)
    site.wait_for(lambda: site.received)
    # then: a page view with the page's URL, title, screen and language, within the first batch
    (request,) = site.received
    assert request.body["site_key"] == "site_wire" and request.body["sent_at"].endswith("Z")
    (event,) = request.events
    assert (event["type"], event["url"], event["title"]) == ("page_view", f"{url}?{UTM}", "Pricing")
    assert "referrer" not in event  # typed into the address bar
    assert event["properties"] == {"screen": driver.execute_script("return screen.width + 'x' + screen.height"), "language": driver.execute_script("return navigator.language")}
    assert event["timestamp"].endswith("Z") and set(event["id"]) <= ID_ALPHABET
    # and: the visitor id is a long-lived first-party cookie, mirrored in localStorage
    cookie = driver.get_cookie("sarnakh_vid")
    assert cookie["value"] == event["visitor_id"] == driver.execute_script("return localStorage.getItem('sarnakh_vid')")
    assert set(cookie["value"]) <= ID_ALPHABET and len(cookie["value"]) <= 64
    assert (cookie["path"], cookie["sameSite"], cookie.get("secure", False)) == ("/", "Lax", False)
    # asked for two years; Chromium caps every cookie at 400 days
    assert 399 * 86400 < cookie["expiry"] - time.time() <= 730 * 86400
    # and: no global besides window.sarnakh
    assert driver.execute_script("return Object.keys(window).filter(function (k) { return /sarnakh/i.test(k); })") == ["sarnakh"]
    # when: the visitor comes back, and the page (a single-page app) changes view
    driver.get(url)
    tracker_loaded(driver)
    driver.execute_script("history.pushState({}, '', '/pricing.html#yearly'); document.title = 'Yearly'; sarnakh.page()")
    site.wait_for(lambda: len(site.received) == 2)
    # then: the same visitor id; the manual page view comes from the previous one
    back, view = site.received[1].events
    assert back["visitor_id"] == view["visitor_id"] == event["visitor_id"]
    assert (view["type"], view["url"], view["title"], view["referrer"]) == ("page_view", url + "#yearly", "Yearly", url)


def test_given_calls_before_the_tracker_loads_when_it_loads_then_identify_first_and_batches_of_15_and_20(driver, site):
    # given: the page identifies the visitor and sends 44 events before the tracker has loaded
    early = "<script>sarnakh.identify({email: 'sara@example.com', first_name: 'Sara'}); for (var i = 0; i < 44; i++) sarnakh.track('step', {n: i});</script>"
    url = site.add("/app.html", page("App", early, snippet_html(site_key="site_wire", base_url=site.url)))
    # when
    driver.get(url)
    site.wait_for(lambda: len(site.events()) >= 46)
    # then: 15 queued events go at once, then at most 20 per request, the rest after the interval
    assert [len(r.events) for r in site.received] == [15, 20, 11]
    events = site.events()
    assert [e["type"] for e in events[:3]] == ["identify", "page_view", "track"]
    assert events[0]["properties"] == {"email": "sara@example.com", "first_name": "Sara"}
    assert [e["properties"]["n"] for e in events[2:]] == list(range(44))
    assert len({e["id"] for e in events}) == 46
    # and: the stub was replaced; later calls go straight to the tracker
    assert driver.execute_script("return window.sarnakh.q.length") == 0


def test_given_server_fails_when_sending_then_same_events_retried_with_backoff_and_4xx_dropped(driver, site):
    # given: the endpoint fails twice (503, 429) and then refuses the batch (400)
    site.statuses.extend([503, 429, 400])
    url = site.add("/blog.html", page("Blog", "", snippet_html(site_key="site_wire", base_url=site.url)))
    # when
    driver.get(url)
    tracker_loaded(driver)
    site.wait_for(lambda: len(site.received) == 3)
    # then: the same events (same ids, same order) were sent three times, waiting 1 s then 2 s
    first, second, third = site.received
    assert [e["id"] for e in first.events] == [e["id"] for e in second.events] == [e["id"] for e in third.events]
    assert second.at - first.at >= 0.9 and third.at - second.at >= 1.9
    # when: more happens after the refused batch
    driver.execute_script("sarnakh.track('after_refusal')")
    site.wait_for(lambda: len(site.received) == 4)
    # then: the refused batch is not sent again; the new event is
    assert [e.get("name") for e in site.received[3].events] == ["after_refusal"]


def test_given_email_link_ctas_and_identify_when_visitor_acts_then_events_and_new_id_for_another_person(driver, site):
    # given: a landing page reached from a Sarnakh email (its link carries _sk) with two CTAs
    body = (
        "<button type='button' data-sarnakh-cta='Book a demo'><span>Book</span></button>"
        "<a id='pricing' href='/pricing.html' data-sarnakh-cta>\n  See   <b>pricing</b> </a>"
    )
    snippet = snippet_html(site_key="site_wire", base_url=site.url)
    url = site.add("/landing.html", page("Landing", body, snippet))
    site.add("/pricing.html", page("Pricing", "", snippet))
    # when
    driver.get(f"{url}?_sk=tok-123&x=1")
    tracker_loaded(driver)
    # then: the token leaves the address bar at once
    assert driver.execute_script("return location.search") == "?x=1"
    # when: clicks the demo CTA (on an inner element), then says who they are, twice the same
    driver.find_element(By.CSS_SELECTOR, "button span").click()
    first_vid = cookie_vid(driver)
    driver.execute_script("sarnakh.identify({email: 'Sara@Example.com'}); sarnakh.identify({email: 'sara@example.com ', plan: 'pro'})")
    assert cookie_vid(driver) == first_vid
    # when: someone else on this browser identifies
    driver.execute_script("sarnakh.identify({email: 'reza@example.com'})")
    second_vid = cookie_vid(driver)
    assert second_vid != first_vid and driver.execute_script("return localStorage.getItem('sarnakh_vid')") == second_vid
    # ... and follows the pricing link (the page goes away before the 3 s flush)
    driver.find_element(By.ID, "pricing").click()
    site.wait_for(lambda: any(e["type"] == "page_view" and e["url"].endswith("/pricing.html") for e in site.events()))
    # then: everything arrived in order, the page's part by beacon as it went away
    events = site.events()
    summary = [(e["type"], e.get("name"), e["visitor_id"]) for e in events]
    assert summary == [
        ("identify", None, first_vid), ("page_view", None, first_vid), ("track", "cta_click", first_vid),
        ("identify", None, first_vid), ("identify", None, first_vid), ("identify", None, second_vid),
        ("track", "cta_click", second_vid), ("page_view", None, second_vid),
    ]
    leaving = next(r for r in site.received if any(e.get("properties", {}).get("label") == "See pricing" for e in r.events))
    assert leaving.how == "beacon"
    assert events[0]["properties"] == {"contact_token": "tok-123"}
    assert events[1]["url"] == f"{url}?x=1"
    assert events[2]["properties"] == {"label": "Book a demo"}
    assert events[4]["properties"] == {"email": "sara@example.com ", "plan": "pro"}
    assert events[6]["properties"] == {"label": "See pricing", "href": site.url + "/pricing.html"}
    assert events[7]["referrer"] == f"{url}?x=1"


def test_given_consent_refused_then_nothing_sent_and_id_forgotten_until_consent_given(driver, site):
    snippet = snippet_html(site_key="site_wire", base_url=site.url)
    url = site.add("/a.html", page("A", "", snippet))
    # given: a page with queued events
    driver.get(url)
    tracker_loaded(driver)
    driver.execute_script("sarnakh.track('before_refusal')")
    # when: the visitor refuses
    driver.execute_script("sarnakh.consent(false); sarnakh.track('after_refusal'); sarnakh.page()")
    # then: the id is gone and the refusal kept, also for the next page
    assert cookie_vid(driver) is None
    assert driver.execute_script("return [localStorage.getItem('sarnakh_vid'), localStorage.getItem('sarnakh_consent')]") == [None, "0"]
    driver.get(url)
    tracker_loaded(driver)
    assert cookie_vid(driver) is None
    # when: they agree after all
    driver.execute_script("sarnakh.consent(true); sarnakh.track('agreed')")
    site.wait_for(lambda: site.received)
    # then: only what came after consent was sent, under a new id
    time.sleep(0.5)  # a stray request from before would have arrived with this one
    assert [(e["type"], e.get("name")) for e in site.events()] == [("page_view", None), ("track", "agreed")]
    assert site.events()[0]["visitor_id"] == cookie_vid(driver)


# ---------------------------------------------------------------- against Sarnakh


@pytest.fixture
def tracked_site(site, live_server, settings):
    settings.SARNAKH_BASE_URL = live_server.url
    settings.SARNAKH_FORM_MIN_FILL_SECONDS = 0  # the robot types faster than people
    return site_create(name="Example", origins=[site.url])


def _stored(**filters) -> list[Event]:
    return list(Event.objects.filter(**filters).order_by("occurred_at", "id"))


def _wait_stored(count: int, seconds: float = 5.0, **filters) -> list[Event]:
    deadline = time.monotonic() + seconds
    while len(events := _stored(**filters)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(events)} of {count} events stored: {events}")
        time.sleep(0.1)
    return events


def test_given_events_not_yet_sent_when_visitor_leaves_then_they_still_arrive(driver, site, live_server, tracked_site):
    url = site.add("/docs.html", page("Docs", "", snippet_html(site_key=tracked_site.key, base_url=live_server.url)))
    # given: a page view and three events waiting for the 3 s batch
    driver.get(url)
    tracker_loaded(driver)
    driver.execute_script("sarnakh.track('download', {file: 'guide.pdf'}); sarnakh.track('video_play'); sarnakh.track('scroll', {depth: 90})")
    # when: the visitor leaves at once
    driver.get("about:blank")
    # then: everything was handed to the browser as the page went away and is stored
    events = _wait_stored(4, site=tracked_site)
    assert [(e.type, e.name) for e in events] == [("page_view", ""), ("track", "download"), ("track", "video_play"), ("track", "scroll")]
    assert events[1].properties == {"file": "guide.pdf"}
    assert {e.visitor_id for e in events} == {events[0].visitor_id} and events[0].url == url
    assert not any(e.is_bot for e in events)


def test_given_refusal_or_do_not_track_then_sarnakh_stores_nothing(make_driver, site, live_server, tracked_site):
    snippet = snippet_html(site_key=tracked_site.key, base_url=live_server.url)
    url = site.add("/a.html", page("A", "", snippet))
    # given: a visitor whose page view was stored
    driver = make_driver()
    driver.get(url)
    tracker_loaded(driver)
    driver.get("about:blank")
    _wait_stored(1, site=tracked_site)
    # when: they refuse, keep browsing and leave
    driver.get(url)
    tracker_loaded(driver)
    driver.execute_script("sarnakh.consent(false); sarnakh.track('after_refusal')")
    driver.get(url)
    tracker_loaded(driver)
    driver.get("about:blank")
    # and: a browser that sends Do-Not-Track visits
    private = make_driver(dnt=True)
    private.get(url)
    tracker_loaded(private)
    assert private.execute_script("return navigator.doNotTrack") == "1"
    private.execute_script("sarnakh.track('with_dnt'); sarnakh.identify({email: 'dnt@example.com'})")
    assert cookie_vid(private) is None
    private.get("about:blank")
    # ... then visits a site whose snippet was made to ignore Do-Not-Track (a sign of life that comes after)
    other = site_create(name="Ignores DNT", origins=[site.url])
    marker = site.add("/b.html", page("B", "", snippet_html(site_key=other.key, base_url=live_server.url, respect_dnt=False)))
    private.get(marker)
    tracker_loaded(private)
    private.get("about:blank")
    _wait_stored(1, site=other)
    # then: nothing else reached Sarnakh for the first site
    assert [(e.type, e.name) for e in _stored(site=tracked_site)] == [("page_view", "")]


def _process_until(done, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        process_pending_events()
        run_pending_jobs()
        if done():
            return
        if time.monotonic() > deadline:
            raise AssertionError("processing did not finish in time")
        time.sleep(0.2)


def test_given_anonymous_visitor_from_campaign_when_submitting_form_then_contact_shows_whole_history(
    driver, site, live_server, tracked_site, admin_user
):
    # given: three pages of the company's site with the snippet, the last with a CTA and a form
    make_form(slug="demo-request")
    snippet = snippet_html(site_key=tracked_site.key, base_url=live_server.url)
    embed = f'<div data-sarnakh-form="demo-request"></div><script src="{live_server.url}/f/demo-request/embed.js" async></script>'
    home = site.add("/index.html", page("Spring launch", "<a id='next' href='/features.html'>Features</a>", snippet))
    site.add("/features.html", page("Features", "<a id='next' href='/demo.html'>Get a demo</a>", snippet))
    site.add("/demo.html", page("Demo", f"<button type='button' data-sarnakh-cta='Book a demo'>Book</button>{embed}", snippet))
    # when: an anonymous visitor comes from the newsletter and browses three pages
    driver.get(f"{home}?{UTM}")
    tracker_loaded(driver)
    driver.find_element(By.ID, "next").click()
    wait(driver, EC.title_is("Features"))
    driver.find_element(By.ID, "next").click()
    wait(driver, EC.title_is("Demo"))
    # ... clicks the CTA, then fills the form
    driver.find_element(By.CSS_SELECTOR, "[data-sarnakh-cta]").click()
    email = wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] input[name=email]")))
    email.send_keys("mina@example.com")
    driver.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] input[name=first_name]").send_keys("Mina")
    driver.find_element(By.CSS_SELECTOR, "[data-sarnakh-form] button[type=submit]").click()
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, "[data-sarnakh-form] .sf-thanks")))
    visitor_id = cookie_vid(driver)
    driver.get("about:blank")
    _wait_stored(4, site=tracked_site)
    # and: Sarnakh processes what it received
    _process_until(lambda: Contact.objects.filter(email="mina@example.com").exists()
                   and not Event.objects.filter(processed_at__isnull=True).exists()
                   and Event.objects.filter(visitor_id=visitor_id, contact__isnull=False).count() >= 4)
    contact = Contact.objects.get(email="mina@example.com")
    # then: the anonymous history belongs to the contact, in one email-channel visit
    events = _stored(contact=contact)
    assert [(e.type, e.name or e.title) for e in events] == [
        ("page_view", "Spring launch"), ("page_view", "Features"), ("page_view", "Demo"), ("track", "cta_click"),
        ("track", "form_submitted"),  # recorded by Sarnakh itself
    ]
    assert events[3].label == "Book a demo" and {e.visitor_id for e in events[:4]} == {visitor_id}
    (visit,) = Session.objects.filter(contact=contact)
    assert (visit.channel, visit.utm_campaign, visit.page_count) == ("email", "spring-launch", 3)
    contact.refresh_from_db()
    assert (contact.utm_campaign, contact.channel) == ("spring-launch", "email")
    # and: the admin sees it on the contact's page, oldest to newest, with the first touch
    log_in(driver, live_server.url, "admin1")
    driver.get(f"{live_server.url}/contacts/{contact.pk}/")
    (visit,) = driver.find_elements(By.CSS_SELECTOR, "#timeline li.tl-visit")
    assert visit.find_element(By.CSS_SELECTOR, ".tl-title").text == "Visit from Email"
    lines = visit.find_elements(By.CSS_SELECTOR, "[data-event]")
    # oldest first; the submission is not repeated here: it has its own, fuller timeline row
    assert [int(line.get_attribute("data-event")) for line in lines] == [e.pk for e in events[:4]]
    for line, expected in zip(lines, ("Spring launch", "Features", "Demo", "Book a demo"), strict=True):
        assert expected in line.text, (expected, line.text)
    assert driver.find_element(By.ID, "timeline").text.count("Submitted the form “Contact us”") == 1
    first_touch = driver.find_element(By.CSS_SELECTOR, "#touches dl[data-touch]").text
    assert "spring-launch" in first_touch and "Email" in first_touch, first_touch
