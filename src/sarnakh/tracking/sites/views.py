"""Settings → Tracking (sites, retention) and Settings → Channels (the channel rule table),
for admins and marketers.

Plain POST forms named by `action`; a successful write answers with a redirect and a
message, a rejected one re-renders the page (422) with the errors and the typed values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sarnakh.core.errors import DomainError
from sarnakh.core.lead_source import Channel
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.tracking import channels
from sarnakh.tracking.models import ChannelRule
from sarnakh.tracking.sites import selectors, services

MAX_FORM_ROWS = services.MAX_RULES + 5


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _days(text: str) -> int | str:
    text = (text or "").strip()
    return int(text) if text.isdigit() else text  # a non-number reaches the service and is reported there


def _context(tab: str, **extra: Any) -> dict[str, Any]:
    return {"tab": tab, "can_manage_tracking": True, **extra}


# ---------------------------------------------------------------- sites and settings

def _sites_page(request, *, create_values=None, create_errors=None, settings_values=None, settings_errors=None, status=200):
    row = selectors.tracking_settings_get()
    context = _context(
        "tracking",
        sites=selectors.site_list(),
        create_values=create_values or {"name": "", "origins": ""},
        create_errors=create_errors or {},
        settings_values=settings_values or {"days": row.anonymous_retention_days, "respect_dnt": row.respect_do_not_track},
        settings_errors=settings_errors or {},
    )
    return render(request, "tracking/settings/sites.html", context, status=status)


@require("tracking.manage")
def settings_sites(request):
    if request.method != "POST":
        return _sites_page(request)
    post, action = request.POST, request.POST.get("action")
    if action == "create":
        try:
            site = services.site_create(name=post.get("name", ""), origins=_lines(post.get("origins", "")), actor_user=request.user)
        except DomainError as exc:
            values = {"name": post.get("name", ""), "origins": post.get("origins", "")}
            return _sites_page(request, create_values=values, create_errors=exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Site added. Paste its snippet on every page of the site."))
        return redirect("tracking:settings_site", site_id=site.pk)
    if action == "settings":
        try:
            services.tracking_settings_update(
                anonymous_retention_days=_days(post.get("anonymous_retention_days", "")),
                respect_do_not_track=post.get("respect_do_not_track") == "on",
            )
        except DomainError as exc:
            values = {"days": post.get("anonymous_retention_days", ""), "respect_dnt": post.get("respect_do_not_track") == "on"}
            return _sites_page(request, settings_values=values, settings_errors=exc.fields, status=422)
        messages.success(request, _("Tracking settings saved."))
    elif action == "cleanup":
        counts = services.anonymous_events_cleanup()
        messages.success(
            request,
            _("Deleted %(events)d anonymous events, %(sessions)d sessions and %(visitors)d visitors older than %(days)d days.") % counts,
        )
    return redirect("tracking:settings_sites")


def _site_page(request, site, *, values=None, errors=None, status=200):
    if values is None:
        values = {"name": site.name, "origins": "\n".join(site.allowed_origins), "is_active": site.is_active}
    row = selectors.tracking_settings_get()
    context = _context(
        "tracking", site=site, values=values, errors=errors or {}, respect_dnt=row.respect_do_not_track,
        snippet=selectors.site_snippet(site, respect_dnt=row.respect_do_not_track),
    )
    return render(request, "tracking/settings/site.html", context, status=status)


@require("tracking.manage")
def settings_site(request, site_id: int):
    site = selectors.site_get(site_id)
    if site is None:
        raise Http404
    if request.method != "POST":
        return _site_page(request, site)
    post, action = request.POST, request.POST.get("action")
    if action == "rotate":
        services.site_rotate_key(site_id=site.pk)
        messages.success(request, _("New key made. The old key no longer works: replace the snippet on your site."))
    elif action == "delete":
        services.site_delete(site_id=site.pk)
        messages.success(request, _("Site deleted. Events already recorded are kept."))
        return redirect("tracking:settings_sites")
    else:
        try:
            services.site_update(
                site_id=site.pk, name=post.get("name", ""), origins=_lines(post.get("origins", "")), is_active=post.get("is_active") == "on"
            )
        except DomainError as exc:
            values = {"name": post.get("name", ""), "origins": post.get("origins", ""), "is_active": post.get("is_active") == "on"}
            return _site_page(request, site, values=values, errors=exc.fields or {"name": [exc.message]}, status=422)
        messages.success(request, _("Site saved."))
    return redirect("tracking:settings_site", site_id=site.pk)


# ---------------------------------------------------------------- channel rules

def _rows_from_table() -> list[dict[str, Any]]:
    return [{"field": r.field, "pattern": r.pattern, "channel": r.channel, "is_active": r.is_active} for r in selectors.channel_rule_list()]


def _rows_from_post(post) -> list[dict[str, Any]]:
    try:
        count = min(int(post.get("rows", "0")), MAX_FORM_ROWS)
    except ValueError:
        count = 0
    return [
        {
            "field": post.get(f"r-{i}-field", ""), "pattern": post.get(f"r-{i}-pattern", ""),
            "channel": post.get(f"r-{i}-channel", ""), "is_active": post.get(f"r-{i}-active") == "on",
        }
        for i in range(count)
    ]


def _apply_row_action(action: str, rows: list[dict[str, Any]]) -> None:
    """add / remove:N / up:N / down:N."""
    if action == "add":
        rows.append({"field": "utm_source", "pattern": "", "channel": "other", "is_active": True})
        return
    verb, _sep, index_text = action.partition(":")
    if not index_text.isdigit() or int(index_text) >= len(rows):
        return
    index = int(index_text)
    if verb == "remove":
        rows.pop(index)
    elif verb == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif verb == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]


def _row_errors(fields: dict[str, list[str]], count: int) -> tuple[list[dict[str, list[str]]], list[str]]:
    """`rows.3.pattern` → per_row[3]["pattern"]; anything else is a table-wide message."""
    per_row: list[dict[str, list[str]]] = [{} for _i in range(count)]
    general: list[str] = []
    for key, msgs in fields.items():
        parts = key.split(".")
        if len(parts) >= 2 and parts[0] == "rows" and parts[1].isdigit() and int(parts[1]) < count:
            per_row[int(parts[1])].setdefault(parts[2] if len(parts) > 2 else "row", []).extend(msgs)
        else:
            general.extend(msgs)
    return per_row, general


def _channels_page(request, rows, *, fields=None, status=200):
    per_row, general = _row_errors(fields or {}, len(rows))
    labels = dict(Channel.choices)
    context = _context(
        "channels", rows=list(zip(rows, per_row, strict=True)), row_count=len(rows), general_errors=general,
        field_choices=ChannelRule.Field.choices, channel_choices=[(c, labels.get(c, c)) for c in channels.CHANNELS],
        has_errors=bool(fields),
    )
    return render(request, "tracking/settings/channels.html", context, status=status)


@require("tracking.manage")
def settings_channels(request):
    if request.method != "POST":
        return _channels_page(request, _rows_from_table())
    action = request.POST.get("action", "save")
    if action == "reset":
        services.channel_rules_reset()
        messages.success(request, _("Default channel rules restored. They apply to sessions processed from now on."))
        return redirect("tracking:settings_channels")
    if action == "reclassify":
        changed = services.sessions_reclassify()
        messages.success(request, _("Stored sessions re-classified: %(n)d changed channel.") % {"n": changed})
        return redirect("tracking:settings_channels")
    rows = _rows_from_post(request.POST)
    if action != "save":
        _apply_row_action(action, rows)
        return _channels_page(request, rows)
    try:
        services.channel_rules_replace(rows=rows)
    except DomainError as exc:
        return _channels_page(request, rows, fields=exc.fields or {"rows": error_messages(exc)}, status=422)
    messages.success(request, _("Channel rules saved. They apply to sessions processed from now on."))
    return redirect("tracking:settings_channels")
