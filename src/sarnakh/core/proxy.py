"""The client's address and scheme behind a reverse proxy (SARNAKH_BEHIND_PROXY).

Off by default: then REMOTE_ADDR is the peer (waitress/gunicorn set it) and forwarded
headers are ignored, since any client can send them. On, the proxy in front is trusted to
append the address it saw to X-Forwarded-For and to set X-Forwarded-Proto; the last
X-Forwarded-For entry is the one our proxy wrote (earlier entries come from the client and
may be forged), so it becomes REMOTE_ADDR for everything downstream: login throttling,
form rate limits, tracking. The scheme is read by Django itself (SECURE_PROXY_SSL_HEADER).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.5:51234"
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def forwarded_client(forwarded_for: str) -> str | None:
    """The address our proxy appended: the last entry of X-Forwarded-For, if it is one."""
    entries = [part for part in forwarded_for.split(",") if part.strip()]
    return _address(entries[-1]) if entries else None


class ForwardedClientMiddleware:
    """Sets REMOTE_ADDR from X-Forwarded-For when SARNAKH_BEHIND_PROXY is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if settings.SARNAKH_BEHIND_PROXY:
            client = forwarded_client(request.META.get("HTTP_X_FORWARDED_FOR", ""))
            if client:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The client address as the rest of Sarnakh sees it (after the middleware above)."""
    return _address(request.META.get("REMOTE_ADDR") or "")
