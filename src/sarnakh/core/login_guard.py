"""Login throttling on top of django-axes: who is locked out, until when, and unlocking.

Axes counts failed logins per username and per client address (settings AXES_*); a key
is locked while the failures it had inside the cool-off window reach the limit. Axes
stores one row per (username, address, user agent) holding a failure count and the time
of its latest failure, so the lock ends when enough of the newest rows have aged out of
the window. Axes stamps attempts with django.utils.timezone.now, so the windows here are
measured with it too (not core.clock).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sarnakh.core.errors import ValidationFailed

USERNAME = "username"
ADDRESS = "ip_address"
# The lockout list on the users page shows the newest locks of each kind, at most this many.
LIST_LIMIT = 50


@dataclass(frozen=True)
class Lockout:
    kind: str  # USERNAME or ADDRESS
    value: str
    failures: int
    until: dt.datetime


def _cooloff() -> dt.timedelta:
    return settings.AXES_COOLOFF_TIME


def lock_end(rows: list[tuple[dt.datetime, int]]) -> dt.datetime | None:
    """When a key with these (latest failure, failures) rows stops being locked, or None
    if the rows inside the window do not reach the limit."""
    since = timezone.now() - _cooloff()
    total = 0
    for at, failures in sorted((row for row in rows if row[0] >= since), reverse=True):
        total += failures
        if total >= settings.AXES_FAILURE_LIMIT:
            return at + _cooloff()
    return None


def _rows(kind: str, value: str) -> list[tuple[dt.datetime, int]]:
    since = timezone.now() - _cooloff()
    return list(AccessAttempt.objects.filter(**{kind: value, "attempt_time__gte": since}).values_list("attempt_time", "failures_since_start"))


def locked_until(*, username: str | None, ip_address: str | None) -> dt.datetime | None:
    """The moment a login for this username from this address is allowed again (None: now)."""
    ends = [lock_end(_rows(kind, value)) for kind, value in ((USERNAME, username), (ADDRESS, ip_address)) if value]
    return max((end for end in ends if end is not None), default=None)


def lockouts() -> list[Lockout]:
    """Usernames and addresses locked right now, newest first (at most LIST_LIMIT of each)."""
    since = timezone.now() - _cooloff()
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    found: list[Lockout] = []
    for kind in (USERNAME, ADDRESS):
        keyed = recent.exclude(**{f"{kind}__isnull": True})
        if kind == USERNAME:
            keyed = keyed.exclude(username="")
        keys = (
            keyed.values(kind).annotate(failures=Sum("failures_since_start"), latest=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-latest")[:LIST_LIMIT]
        )
        for key in keys:
            until = lock_end(_rows(kind, key[kind]))
            if until is not None:
                found.append(Lockout(kind=kind, value=key[kind], failures=key["failures"], until=until))
    return found


@transaction.atomic
def lockout_clear(*, username: str = "", ip_address: str = "") -> int:
    """Forgets the failed logins of one username or one address (an admin's unlock)."""
    username, ip_address = (username or "").strip(), (ip_address or "").strip()
    if bool(username) == bool(ip_address):
        message = _("Name one username or one address to unlock.")
        raise ValidationFailed(message, fields={"__all__": [message]})
    if ip_address:
        try:
            ip_address = str(ipaddress.ip_address(ip_address))
        except ValueError:
            message = _("Not a network address.")
            raise ValidationFailed(message, fields={"ip_address": [message]}) from None
    return axes_reset(username=username or None, ip=ip_address or None)
