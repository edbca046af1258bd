"""The sending limits, from Django settings (each also an environment variable of the same
name, read by settings.py's defaults here):

- SARNAKH_CAMPAIGN_RATE: messages per second for all campaign workers together (0: no limit).
  Each worker takes an equal share: RATE / SARNAKH_CAMPAIGN_WORKERS (the number of workers
  a campaign starts, or `--workers N` of `sarnakh mail send-campaign`).
- SARNAKH_CAMPAIGN_DOMAIN_RATE: messages per second to one recipient domain (gmail.com…),
  shared the same way (0: no limit).
- SARNAKH_CAMPAIGN_FREQUENCY_CAP "3/7": at most 3 marketing emails per contact in 7 days
  (any marketing mail, campaigns or not; "0/0" turns it off).
- SARNAKH_CAMPAIGN_QUIET_HOURS "21:00-08:00": no marketing mail at night in the contact's
  time zone (empty: none).
- SARNAKH_CAMPAIGN_WORKERS: workers a campaign starts (default 2).
- SARNAKH_CAMPAIGN_BATCH: recipients a worker claims at once (default 100);
  SARNAKH_CAMPAIGN_LEASE: seconds a claimed batch is held (default 300) before another
  worker may take it (a worker killed mid-batch).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Limits:
    rate: float = 100.0
    domain_rate: float = 20.0
    cap_count: int = 3
    cap_days: int = 7
    quiet_start: dt.time | None = dt.time(21, 0)
    quiet_end: dt.time | None = dt.time(8, 0)
    workers: int = 2
    batch: int = 100  # recipients claimed at once
    lease: dt.timedelta = dt.timedelta(minutes=5)  # a claimed batch comes back after this
    max_attempts: int = 5  # temporary failures before a recipient counts as failed
    backoff: dt.timedelta = dt.timedelta(minutes=1)  # the first retry; doubled each time


def _setting(name: str, default: str) -> str:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name, default)
    return str(value).strip()


def _time(text: str) -> dt.time:
    hour, _, minute = text.strip().partition(":")
    return dt.time(int(hour), int(minute or 0))


def limits() -> Limits:
    """The configured limits (a wrong value is refused loudly: ValueError at start)."""
    count, _, days = _setting("SARNAKH_CAMPAIGN_FREQUENCY_CAP", "3/7").partition("/")
    quiet = _setting("SARNAKH_CAMPAIGN_QUIET_HOURS", "21:00-08:00")
    start = end = None
    if quiet:
        first, _, second = quiet.partition("-")
        start, end = _time(first), _time(second)
    result = Limits(rate=float(_setting("SARNAKH_CAMPAIGN_RATE", "100")),
                    domain_rate=float(_setting("SARNAKH_CAMPAIGN_DOMAIN_RATE", "20")),
                    cap_count=int(count or 0), cap_days=int(days or 0), quiet_start=start, quiet_end=end,
                    workers=max(1, int(_setting("SARNAKH_CAMPAIGN_WORKERS", "2"))),
                    batch=max(1, min(1000, int(_setting("SARNAKH_CAMPAIGN_BATCH", "100")))),
                    lease=dt.timedelta(seconds=max(1, int(_setting("SARNAKH_CAMPAIGN_LEASE", "300")))))
    if result.rate < 0 or result.domain_rate < 0 or result.cap_count < 0 or result.cap_days < 0:
        raise ValueError("campaign limits cannot be negative")
    return result
