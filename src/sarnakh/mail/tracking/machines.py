"""Was this open or click a person, or a machine? (no ORM: pure)

Opens are untrusted. Recorded either way; machine ones are kept out of the "human"
figures and out of everything that decides (scores, segments, branches, winners):

- **Apple Mail Privacy Protection**: Apple's proxies fetch every image of a message when
  it reaches the device, whether or not anyone reads it. The fetch says only `Mozilla/5.0`
  as its user agent and comes from Apple's network (17.0.0.0/8) or its relay egress.
- **Security scanners** (corporate gateways, link checkers) follow every link of a message
  within seconds of delivery, often with HEAD requests or a tool's user agent, often
  several links within a few seconds.
- **Known bots** by user agent: the caller passes tracking's verdict (`tracking.bots`, through
  `tracking.selectors.bot_reason_for_user_agent`: headless browsers, HTTP libraries, crawlers).

Gmail's and Yahoo's image proxies fetch the pixel when the person opens the message (and
cache it): those opens count as human, although their IP and user agent are the proxy's.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

# A click this soon after the message left is a scanner following links on arrival.
SCANNER_SECONDS = 10
# This many different links of one message clicked within BURST_SECONDS: a scanner.
BURST_LINKS = 3
BURST_SECONDS = 5
APPLE_NETWORKS = (ipaddress.ip_network("17.0.0.0/8"),)
APPLE_PROXY_USER_AGENT = "Mozilla/5.0"
HUMAN_IMAGE_PROXIES = re.compile(r"GoogleImageProxy|ggpht\.com|YahooMailProxy", re.I)

HUMAN = ""
REASONS = ("apple_mpp", "head_request", "soon_after_delivery", "click_burst", "bot")


@dataclass(frozen=True)
class Request:
    kind: str  # open | click
    user_agent: str = ""
    ip: str = ""
    method: str = "GET"
    seconds_since_sent: float | None = None  # None: the send time is unknown
    # Other clicks of the same message within BURST_SECONDS of this one: their URLs.
    recent_click_urls: tuple[str, ...] = ()
    url: str = ""
    bot_reason: str = ""  # tracking's verdict on the user agent ("" for a browser)


@dataclass(frozen=True)
class Verdict:
    machine: bool
    reason: str = ""  # one of REASONS, "" for a person


def _in_apple_network(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in network for network in APPLE_NETWORKS if address.version == network.version)


def is_apple_proxy(user_agent: str, ip: str) -> bool:
    return (user_agent or "").strip() == APPLE_PROXY_USER_AGENT or _in_apple_network(ip)


def classify(request: Request) -> Verdict:
    ua = (request.user_agent or "").strip()
    if request.method.upper() == "HEAD":
        return Verdict(True, "head_request")
    if request.kind == "open":
        if HUMAN_IMAGE_PROXIES.search(ua):
            return Verdict(False)
        if is_apple_proxy(ua, request.ip):
            return Verdict(True, "apple_mpp")
    if request.kind == "click":
        if request.seconds_since_sent is not None and request.seconds_since_sent < SCANNER_SECONDS:
            return Verdict(True, "soon_after_delivery")
        if is_burst(request.url, request.recent_click_urls):
            return Verdict(True, "click_burst")
    if request.bot_reason:
        return Verdict(True, "bot")
    return Verdict(False)


def is_burst(url: str, recent_urls: tuple[str, ...] | list[str]) -> bool:
    return len({url, *recent_urls}) >= BURST_LINKS


def ip_prefix(ip: str) -> str:
    """What is kept of an address: its /24 (IPv4) or /48 (IPv6) network, "" if not an address."""
    try:
        address = ipaddress.ip_address((ip or "").strip())
    except ValueError:
        return ""
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    bits = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{bits}", strict=False))
