"""Machine opens and clicks: Apple's proxy prefetch, security scanners, bots; Gmail's image
proxy counts as a person."""

from __future__ import annotations

import pytest

from sarnakh.mail.tracking.machines import Request, classify, ip_prefix

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148"
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"


@pytest.mark.parametrize(("request_", "machine", "reason"), [
    (Request(kind="open", user_agent="Mozilla/5.0", ip="104.28.1.9"), True, "apple_mpp"),
    (Request(kind="open", user_agent=IPHONE, ip="17.58.63.12"), True, "apple_mpp"),
    (Request(kind="open", user_agent=IPHONE, ip="5.160.1.2"), False, ""),
    (Request(kind="open", user_agent=GMAIL, ip="66.249.84.1"), False, ""),
    (Request(kind="open", user_agent=IPHONE, ip="5.160.1.2", method="HEAD"), True, "head_request"),
    (Request(kind="open", user_agent="curl/8.0", bot_reason="non_browser"), True, "bot"),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=3), True, "soon_after_delivery"),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=600), False, ""),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=None), False, ""),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=600, url="https://a/3",
             recent_click_urls=("https://a/1", "https://a/2")), True, "click_burst"),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=600, url="https://a/1",
             recent_click_urls=("https://a/1", "https://a/1")), False, ""),
    (Request(kind="click", user_agent=IPHONE, seconds_since_sent=600, method="HEAD"), True, "head_request"),
    (Request(kind="click", user_agent="Mozilla/5.0", ip="17.1.1.1", seconds_since_sent=600), False, ""),
])
def test_given_a_request_when_classified_then_the_verdict_says_machine_or_person(request_, machine, reason):
    verdict = classify(request_)
    assert (verdict.machine, verdict.reason) == (machine, reason)


@pytest.mark.parametrize(("ip", "prefix"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("2001:db8:85a3:8d3:1319:8a2e:370:7348", "2001:db8:85a3::/48"),
    ("::ffff:198.51.100.9", "198.51.100.0/24"),
    ("not an address", ""),
    ("", ""),
])
def test_given_an_address_when_kept_then_only_its_network_prefix_remains(ip, prefix):
    assert ip_prefix(ip) == prefix
