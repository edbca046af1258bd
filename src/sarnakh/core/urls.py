"""What a URL tells about a visit: its host, query parameters and UTM set. Pure.

Shared by form submissions (capture) and tracked visits (tracking)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")


def host_of(url: str) -> str:
    """Lower-case host without a leading `www.`; '' when the URL has none."""
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def query_params(url: str) -> dict[str, str]:
    """The first value of each query parameter, keys lower-cased."""
    try:
        query = urlsplit(url).query
    except ValueError:
        return {}
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key.lower(), value)
    return params


def utm_from_url(url: str) -> dict[str, str]:
    params = query_params(url)
    return {key: params[key].strip()[:200] for key in UTM_KEYS if params.get(key, "").strip()}
