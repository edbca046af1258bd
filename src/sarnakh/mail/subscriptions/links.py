"""Builders of the links a marketing message carries: the one-click unsubscribe URL
(`List-Unsubscribe` and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`), the mailto
alternative (unsubscribe+<token>@domain, domain from SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN) and
the preference centre's URL for the visible footer link."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from sarnakh.mail.subscriptions.tokens import make_token


def _absolute(path: str) -> str:
    return settings.SARNAKH_BASE_URL.rstrip("/") + path


def unsubscribe_url(*, contact_id: int, topic: str = "", message_id: str = "") -> str:
    token = make_token(contact_id=contact_id, topic=topic, message_id=message_id)
    return _absolute(reverse("subscriptions:one_click", args=[token]))


def preference_url(*, contact_id: int, topic: str = "", message_id: str = "") -> str:
    token = make_token(contact_id=contact_id, topic=topic, message_id=message_id)
    return _absolute(reverse("subscriptions:preferences", args=[token]))


def mailto_domain() -> str:
    return settings.SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN or (urlsplit(settings.SARNAKH_BASE_URL).hostname or "localhost")


def unsubscribe_mailto(*, contact_id: int, topic: str = "", message_id: str = "") -> str:
    """The signing alphabet (letters, digits, `-_:`) is safe in an address's local part."""
    token = make_token(contact_id=contact_id, topic=topic, message_id=message_id)
    return f"mailto:unsubscribe+{token}@{mailto_domain()}?subject=unsubscribe"


def list_unsubscribe_headers(*, contact_id: int, topic: str = "", message_id: str = "") -> dict[str, str]:
    """The two RFC 8058 headers, ready for the delivery code to add (and DKIM-sign)."""
    url = unsubscribe_url(contact_id=contact_id, topic=topic, message_id=message_id)
    mailto = unsubscribe_mailto(contact_id=contact_id, topic=topic, message_id=message_id)
    return {"List-Unsubscribe": f"<{url}>, <{mailto}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
