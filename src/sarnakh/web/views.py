"""Login, logout and the dashboard."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import views as auth_views
from django.shortcuts import render

from sarnakh.contacts import selectors
from sarnakh.contacts.choices import Channel, Funnel
from sarnakh.core import clock
from sarnakh.web.permissions import require

DASHBOARD_WINDOW_DAYS = 30


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


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
