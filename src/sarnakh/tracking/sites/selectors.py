"""Reads for tracked sites, the channel rule table and the tracking settings."""

from __future__ import annotations

import threading
import time

from django.conf import settings

from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule, Site, TrackingSettings
from sarnakh.tracking.snippet import snippet_html

RULES_CACHE_SECONDS = 5.0

_rules_lock = threading.Lock()
_rules_cache: tuple[float, tuple[channels.Rule, ...]] | None = None


def site_list() -> list[Site]:
    return list(Site.objects.all())


def site_get(site_id: int) -> Site | None:
    return Site.objects.filter(pk=site_id).first()


def tracking_settings_get() -> TrackingSettings:
    """The one settings row; created with the defaults if the migration's row was removed."""
    row = TrackingSettings.objects.order_by("pk").first()
    return row if row is not None else TrackingSettings.objects.create()


def site_snippet(site: Site, *, respect_dnt: bool | None = None) -> str:
    if respect_dnt is None:
        respect_dnt = tracking_settings_get().respect_do_not_track
    return snippet_html(site_key=site.key, base_url=settings.SARNAKH_BASE_URL, respect_dnt=respect_dnt)


def channel_rule_list() -> list[ChannelRule]:
    """Every row of the table in evaluation order, inactive ones included."""
    return list(ChannelRule.objects.all())


def channel_rules_active() -> tuple[channels.Rule, ...]:
    """The active rules in order, as the pure engine takes them.

    Cached per process for a few seconds: the processor asks once per batch, and an edit
    in another process becomes visible here within RULES_CACHE_SECONDS."""
    global _rules_cache
    cached = _rules_cache
    if cached is not None and time.monotonic() - cached[0] < RULES_CACHE_SECONDS:
        return cached[1]
    rules = tuple(
        channels.Rule(field=r.field, pattern=r.pattern, channel=r.channel)
        for r in ChannelRule.objects.filter(is_active=True).order_by("position", "id")
    )
    with _rules_lock:
        _rules_cache = (time.monotonic(), rules)
    return rules


def forget_channel_rules() -> None:
    global _rules_cache
    with _rules_lock:
        _rules_cache = None
