"""Is this traffic a bot? Flagged events are kept but left out of scoring and reports.

Crawlers are recognised by ua-parser's maintained user-agent list (device family
"Spider"); headless browsers and non-browser clients by their signatures; scripts by a
rate no person reaches. Server-side (API key) events are never judged by user agent.
"""

from __future__ import annotations

import functools
import re

from ua_parser import parse_device, parse_user_agent

HEADLESS = re.compile(r"HeadlessChrome|PhantomJS|SlimerJS|Puppeteer|Playwright|Selenium|Electron/.* Headless|jsdom", re.I)
NON_BROWSER = re.compile(r"^(curl|wget|python-|python/|aiohttp|httpx|Go-http-client|Java/|okhttp|libwww|Apache-HttpClient|node-fetch|axios|Scrapy)", re.I)
# More page views or events than this from one visitor within one minute is not a person.
MAX_EVENTS_PER_MINUTE = 120


@functools.lru_cache(maxsize=4096)
def bot_reason_for_user_agent(user_agent: str) -> str:
    """'' for a browser, else why the user agent looks like a bot."""
    if not user_agent or not user_agent.strip():
        return "no_user_agent"
    if HEADLESS.search(user_agent):
        return "headless"
    if NON_BROWSER.match(user_agent):
        return "non_browser"
    device = parse_device(user_agent)
    if device is not None and device.family == "Spider":
        return "crawler"
    agent = parse_user_agent(user_agent)
    if agent is not None and re.search(r"bot|crawler|spider", agent.family, re.I):
        return "crawler"
    return ""


def too_fast(times: list[float], *, limit: int = MAX_EVENTS_PER_MINUTE) -> bool:
    """True when more than `limit` of these epoch times fall within some 60-second window."""
    if len(times) <= limit:
        return False
    ordered = sorted(times)
    start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] > 60:
            start += 1
        if end - start + 1 > limit:
            return True
    return False
