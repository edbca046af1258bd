"""Login, logout and the dashboard."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from sarnakh.contacts import selectors
from sarnakh.contacts.selectors import Funnel
from sarnakh.core import clock
from sarnakh.core.lead_source import Channel
from sarnakh.core.login_guard import locked_until
from sarnakh.core.proxy import client_ip
from sarnakh.core.ui.permissions import require

DASHBOARD_WINDOW_DAYS = 30
FAVICON = Path(__file__).resolve().parent / "static" / "web" / "favicon.ico"


@require_safe
@cache_control(public=True, max_age=7 * 24 * 3600)
def favicon(request):
    """/favicon.ico, which browsers ask for on every host whatever the page links (and API
    docs, error pages and plain files link nothing): the brand mark instead of a logged 404."""
    return HttpResponse(FAVICON.read_bytes(), content_type="image/x-icon")


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


def login_locked_out(request, original_response=None, credentials=None):
    """The login page again, saying the username or address is locked and for how long
    (django-axes calls this instead of answering the login post; AXES_LOCKOUT_CALLABLE)."""
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))[:150]
    until = locked_until(username=username, ip_address=client_ip(request))
    remaining = (until - timezone.now()) if until else settings.AXES_COOLOFF_TIME
    seconds = max(60, math.ceil(remaining.total_seconds()))
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": request.POST.get("next", ""),
        "locked_minutes": math.ceil(seconds / 60),
    }
    response = render(request, "web/login.html", context, status=429)
    response["Retry-After"] = str(seconds)
    return response


class LogoutView(auth_views.LogoutView):
    pass


@require("contacts.view")
def dashboard(request):
    counts = selectors.stage_counts()
    stages = [
        {"stage": stage, "count": counts.get(stage.key, 0)}
        for stage in selectors.stage_list()
    ]
    since = clock.now() - dt.timedelta(days=DASHBOARD_WINDOW_DAYS)
    channel_labels = dict(Channel.choices)
    by_channel = [
        {"key": key, "label": channel_labels.get(key, key), "count": n}
        for key, n in selectors.contacts_created_by_channel(since)
    ]
    return render(
        request,
        "web/dashboard.html",
        {
            "stages": stages,
            "funnel_stages": [row for row in stages if row["stage"].funnel != Funnel.NONE],
            "total": sum(counts.values()),
            "max_stage": max([row["count"] for row in stages] or [0]),
            "by_channel": by_channel,
            "new_total": sum(row["count"] for row in by_channel),
            "max_channel": max([row["count"] for row in by_channel] or [0]),
            "window_days": DASHBOARD_WINDOW_DAYS,
            "latest": selectors.latest_contacts(8),
        },
    )
