"""Allowed origins of a tracked site. Pure: no ORM.

An origin is `scheme://host[:port]` as browsers send it in the Origin header. A site may
allow `https://*.example.com` for all its subdomains (not example.com itself)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def normalize_origin(text: str) -> str:
    """`https://Example.com/path` → `https://example.com`; ValueError with a reason when it is no origin."""
    text = (text or "").strip()
    if not text:
        raise ValueError("empty")
    if "://" not in text:
        raise ValueError("Start with http:// or https://.")
    wildcard = "://*." in text
    parts = urlsplit(text.replace("://*.", "://wildcard-placeholder.", 1))
    if parts.scheme not in ("http", "https"):
        raise ValueError("Only http and https origins can send events.")
    host = (parts.hostname or "").lower()
    if wildcard:
        host = "*." + host.removeprefix("wildcard-placeholder.")
    if not host or not _HOST_RE.match(host.encode("idna").decode() if not wildcard else host):
        raise ValueError("The host is not valid.")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("The port is not valid.") from None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def origin_allowed(origin: str, allowed: list[str]) -> bool:
    """True when `origin` (from the request) is one of `allowed`; an empty list allows any."""
    if not allowed:
        return True
    try:
        origin = normalize_origin(origin)
    except ValueError:
        return False
    for entry in allowed:
        if entry == origin:
            return True
        if "://*." in entry:
            scheme, _, suffix = entry.partition("://*")
            rest = origin.removeprefix(scheme + "://")
            if origin.startswith(scheme + "://") and rest.endswith(suffix) and len(rest) > len(suffix):
                return True
    return False
