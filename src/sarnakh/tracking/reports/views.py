"""Staff pages reading tracked behaviour: the live feed (is the snippet sending?) and the
pages and CTA report."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import render

from sarnakh.core import clock
from sarnakh.core.ui.htmx import is_htmx
from sarnakh.core.ui.permissions import require
from sarnakh.tracking import selectors
from sarnakh.tracking.sites import selectors as site_selectors

LIVE_ROWS = 50
PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def _site_id(params, sites) -> int | None:
    """The chosen site, if it exists; anything else means all sites."""
    text = params.get("site", "")
    if text.isdigit() and any(s.pk == int(text) for s in sites):
        return int(text)
    return None


@require("tracking.view")
def live(request):
    sites = site_selectors.site_list()
    site_id = _site_id(request.GET, sites)
    context = {
        "sites": sites,
        "site_id": site_id,
        "site_counts": selectors.site_event_counts(),
        "events": selectors.newest_events(site_id=site_id, limit=LIVE_ROWS),
        "tab": "live",
    }
    if is_htmx(request) and request.GET.get("fragment"):
        return render(request, "tracking/reports/_live.html", context)
    return render(request, "tracking/reports/live.html", context)


@require("tracking.view")
def pages(request):
    sites = site_selectors.site_list()
    site_id = _site_id(request.GET, sites)
    days_text = request.GET.get("days", "")
    days = int(days_text) if days_text.isdigit() and int(days_text) in PERIODS else DEFAULT_PERIOD
    until = clock.now()
    since = until - dt.timedelta(days=days)
    context = {
        "sites": sites,
        "site_id": site_id,
        "days": days,
        "periods": PERIODS,
        "since": since,
        "until": until,
        "pages": selectors.pages_report(since=since, until=until, site_id=site_id),
        "ctas": selectors.cta_report(since=since, until=until, site_id=site_id),
        "tab": "pages",
    }
    return render(request, "tracking/reports/pages.html", context)
