"""Writes for webhooks themselves: create, change, switch on and off, rotate the secret,
delete. Sending and the delivery log are in delivery_services.py.

A URL is checked when saved (http or https, no credentials, a host that does not
resolve to a refused address: ssrf.py) and again before every attempt, since DNS can
change in between.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.core import clock
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.events import ALL_EVENTS, EVENT_TYPES
from sarnakh.core.normalize import clean_display_text
from sarnakh.webhooks import signing, ssrf
from sarnakh.webhooks.models import Webhook

MAX_NAME = 200
MAX_EVENTS = 200
# After a rotation the old secret keeps signing (beside the new one) this long.
PREVIOUS_SECRET_VALID = dt.timedelta(hours=24)

URL_PROBLEMS = {
    "scheme": gettext_lazy("Use an http:// or https:// address."),
    "spaces": gettext_lazy("An address has no spaces or control characters."),
    "credentials": gettext_lazy("Put no user name or password before the host; a token in the path or query works."),
    "port": gettext_lazy("The port is not valid."),
    "host": gettext_lazy("The host is not valid."),
}
ADDRESS_KINDS = {
    "loopback": gettext_lazy("this machine (loopback)"),
    "private": gettext_lazy("a private network"),
    "link_local": gettext_lazy("a link-local network"),
    "shared": gettext_lazy("a carrier-grade NAT network"),
    "metadata": gettext_lazy("a cloud metadata service"),
    "multicast": gettext_lazy("a multicast group"),
    "unspecified": gettext_lazy("no host (unspecified address)"),
    "reserved": gettext_lazy("a reserved range"),
}


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


def refused_address_message(category: str, address: str) -> str:
    kind = ADDRESS_KINDS.get(category, category)
    if category in ssrf.ALWAYS_REFUSED:
        return _("%(address)s is %(kind)s: webhooks are never sent there.") % {"address": address, "kind": kind}
    return _(
        "%(address)s is %(kind)s: webhooks are not sent there unless the operator sets SARNAKH_WEBHOOKS_ALLOW_PRIVATE=true."
    ) % {"address": address, "kind": kind}


def _clean_url(url: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(url, str) or not url.strip():
        errors.setdefault("url", []).append(_("Give the address that receives the events."))
        return ""
    url = url.strip()
    try:
        target = ssrf.parse_url(url)
    except ssrf.UrlRefused as refused:
        if refused.code == "length":
            errors.setdefault("url", []).append(_("Use at most %(n)d characters.") % {"n": ssrf.MAX_URL_LENGTH})
        else:
            errors.setdefault("url", []).append(str(URL_PROBLEMS.get(refused.code, URL_PROBLEMS["host"])))
        return url
    allow_private = settings.SARNAKH_WEBHOOKS_ALLOW_PRIVATE
    try:
        ssrf.checked_addresses(target, allow_private=allow_private)
    except ssrf.UrlRefused as refused:
        # A name that does not resolve today may tomorrow (DNS being set up): it is kept,
        # and each attempt checks again. A refused address is refused now.
        if refused.code == "address":
            errors.setdefault("url", []).append(refused_address_message(refused.category, refused.address))
    return url


def _clean_events(events: Any, errors: dict[str, list[str]]) -> list[str]:
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        errors.setdefault("events", []).append(_("Send a list of event names, or [\"*\"] for every event."))
        return []
    names = [e.strip() for e in events if e.strip()]
    if not names:
        errors.setdefault("events", []).append(_("Choose at least one event, or every event."))
        return []
    if ALL_EVENTS in names:
        return [ALL_EVENTS]
    cleaned: list[str] = []
    for index, name in enumerate(names):
        if name not in EVENT_TYPES:
            errors.setdefault(f"events.{index}", []).append(_("%(name)s is not an event type.") % {"name": name[:100]})
        elif name not in cleaned:
            cleaned.append(name)
    if len(cleaned) > MAX_EVENTS:
        errors.setdefault("events", []).append(_("Choose at most %(n)d events.") % {"n": MAX_EVENTS})
    return cleaned


def _clean_name(name: Any, errors: dict[str, list[str]]) -> str:
    if not isinstance(name, str):
        errors.setdefault("name", []).append(_("Give a text."))
        return ""
    text = clean_display_text(name)
    if len(text) > MAX_NAME:
        errors.setdefault("name", []).append(_("Use at most %(n)d characters.") % {"n": MAX_NAME})
    return text


def _clean_format(value: Any, errors: dict[str, list[str]]) -> str:
    if value not in Webhook.Format.values:
        errors.setdefault("payload_format", []).append(_("Use one of: %(values)s.") % {"values": ", ".join(Webhook.Format.values)})
        return Webhook.Format.JSON
    return value


def _clean_flag(value: Any, field: str, errors: dict[str, list[str]]) -> bool:
    if not isinstance(value, bool):
        errors.setdefault(field, []).append(_("Use true or false."))
        return False
    return value


def _get(webhook_id: int, *, lock: bool = False) -> Webhook:
    queryset = Webhook.objects.select_for_update() if lock else Webhook.objects
    webhook = queryset.filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound(_("No webhook with the id %(id)s.") % {"id": webhook_id})
    return webhook


@transaction.atomic
def webhook_create(
    *, url: str, events: list[str], name: str = "", payload_format: str = Webhook.Format.JSON, is_active: bool = True
) -> Webhook:
    """A new webhook with a new secret (`webhook.secret`: show it to the user now, it is
    never shown again)."""
    errors: dict[str, list[str]] = {}
    clean = {
        "url": _clean_url(url, errors), "events": _clean_events(events, errors), "name": _clean_name(name, errors),
        "payload_format": _clean_format(payload_format, errors), "is_active": _clean_flag(is_active, "is_active", errors),
    }
    if errors:
        raise _invalid(errors)
    now = clock.now()
    return Webhook.objects.create(**clean, secret=signing.new_secret(), created_at=now, updated_at=now)


@transaction.atomic
def webhook_update(
    *, webhook_id: int, url: str | None = None, events: list[str] | None = None, name: str | None = None,
    payload_format: str | None = None, is_active: bool | None = None,
) -> Webhook:
    """Changes what is given (None leaves it). Switching a webhook back on clears the
    failure count that switched it off."""
    webhook = _get(webhook_id, lock=True)
    errors: dict[str, list[str]] = {}
    if url is not None:
        webhook.url = _clean_url(url, errors)
    if events is not None:
        webhook.events = _clean_events(events, errors)
    if name is not None:
        webhook.name = _clean_name(name, errors)
    if payload_format is not None:
        webhook.payload_format = _clean_format(payload_format, errors)
    was_active = webhook.is_active
    if is_active is not None:
        webhook.is_active = _clean_flag(is_active, "is_active", errors)
    if errors:
        raise _invalid(errors)
    if webhook.is_active and not was_active:
        webhook.disabled_reason, webhook.disabled_at = Webhook.DisabledReason.NONE, None
        webhook.failing_since, webhook.consecutive_failures = None, 0
    elif was_active and not webhook.is_active:
        webhook.disabled_reason, webhook.disabled_at = Webhook.DisabledReason.NONE, clock.now()
    webhook.updated_at = clock.now()
    webhook.save()
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, webhook_id: int) -> Webhook:
    """A new secret (`webhook.secret`, shown once). The old one keeps signing beside it
    for a day, so a receiver can switch over without losing deliveries."""
    webhook = _get(webhook_id, lock=True)
    now = clock.now()
    webhook.previous_secret, webhook.previous_secret_expires_at = webhook.secret, now + PREVIOUS_SECRET_VALID
    webhook.secret = signing.new_secret()
    webhook.updated_at = now
    webhook.save(update_fields=["previous_secret", "previous_secret_expires_at", "secret", "updated_at"])
    return webhook


@transaction.atomic
def webhook_delete(*, webhook_id: int) -> None:
    """Deletes the webhook with its delivery log; queued attempts find nothing to send."""
    _get(webhook_id, lock=True).delete()
