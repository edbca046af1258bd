"""Small builders shared by the tracking tests."""

from __future__ import annotations

import itertools
import json

from django.utils import timezone

from sarnakh.tracking.models import Site

_counter = itertools.count(1)
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"


def make_site(*, origins=("https://www.example.com",), name="Example") -> Site:
    now = timezone.now()
    return Site.objects.create(name=name, key=f"site_test{next(_counter):06d}", allowed_origins=list(origins), created_at=now, updated_at=now)


def page_view(visitor_id: str, url: str, *, at: str | None = None, referrer: str = "", title: str = "", event_id: str | None = None) -> dict:
    event = {"id": event_id or f"e{next(_counter)}", "type": "page_view", "visitor_id": visitor_id, "url": url, "referrer": referrer, "title": title}
    if at:
        event["timestamp"] = at
    return event


def track(visitor_id: str, name: str, *, at: str | None = None, url: str = "https://www.example.com/", properties=None, event_id=None) -> dict:
    event = {"id": event_id or f"e{next(_counter)}", "type": "track", "name": name, "visitor_id": visitor_id, "url": url, "properties": properties or {}}
    if at:
        event["timestamp"] = at
    return event


def post_events(client, body, *, origin="https://www.example.com", user_agent=BROWSER_UA, auth: str | None = None, content_type="text/plain;charset=UTF-8"):
    headers = {"HTTP_USER_AGENT": user_agent}
    if origin:
        headers["HTTP_ORIGIN"] = origin
    if auth:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {auth}"
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/api/v1/events", data=data, content_type=content_type, **headers)
