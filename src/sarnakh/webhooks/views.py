"""Settings → Webhooks, for admins: the list, a webhook's form, its secret (shown once
after it is made or rotated), the delivery log with redelivery, and a test ping.

Plain POST forms named by `action`; a successful write answers with a redirect and a
message, a rejected one re-renders the form (422) with the errors and the typed values."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.core.errors import DomainError
from sarnakh.core.events import ALL_EVENTS
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.webhooks import delivery_services, selectors, services
from sarnakh.webhooks.models import Webhook

NEW_SECRET_SESSION = "sarnakh_new_webhook_secret"
GROUP_LABELS = {
    "contact": gettext_lazy("Contacts"),
    "company": gettext_lazy("Companies"),
    "form": gettext_lazy("Forms"),
    "behaviour": gettext_lazy("Behaviour"),
    "import": gettext_lazy("Imports"),
    "score": gettext_lazy("Scoring"),
    "scoring": gettext_lazy("Scoring"),
    "email": gettext_lazy("Email"),
    "segment": gettext_lazy("Segments"),
}
ERROR_KINDS = {
    "refused": gettext_lazy("Address refused"),
    "unresolvable": gettext_lazy("Host not found"),
    "connect": gettext_lazy("Could not connect"),
    "timeout": gettext_lazy("Timed out"),
    "tls": gettext_lazy("TLS error"),
    "redirect": gettext_lazy("Redirect not followed"),
    "status": gettext_lazy("Error answer"),
    "off": gettext_lazy("Webhook switched off"),
    "error": gettext_lazy("Error"),
}


def _int(value: Any) -> int:
    return int(value) if str(value or "").isdigit() and len(str(value)) < 19 else 0


def _event_groups(chosen: list[str]) -> list[dict[str, Any]]:
    """The event types as checkbox groups; names a webhook has that are no longer
    published come last, so they can be seen and unticked."""
    groups: dict[str, dict[str, Any]] = {}
    known = set()
    for info in selectors.event_types():
        known.add(info.name)
        group = groups.setdefault(info.group, {"key": info.group, "label": GROUP_LABELS.get(info.group, info.group), "types": []})
        group["types"].append({"name": info.name, "label": info.label, "checked": info.name in chosen})
    unknown = [name for name in chosen if name != ALL_EVENTS and name not in known]
    result = list(groups.values())
    if unknown:
        result.append({"key": "", "label": _("No longer published"), "types": [{"name": n, "label": n, "checked": True} for n in unknown]})
    return result


def _values_from(webhook: Webhook | None) -> dict[str, Any]:
    if webhook is None:
        return {"name": "", "url": "", "events": [], "payload_format": Webhook.Format.JSON, "is_active": True}
    return {
        "name": webhook.name, "url": webhook.url, "events": list(webhook.events),
        "payload_format": webhook.payload_format, "is_active": webhook.is_active,
    }


def _values_from_post(post) -> dict[str, Any]:
    return {
        "name": post.get("name", ""), "url": post.get("url", ""), "events": post.getlist("events"),
        "payload_format": post.get("payload_format", ""), "is_active": post.get("is_active") == "on",
    }


def _form_context(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    # "events.3" errors (an unknown name) are shown with the events.
    event_errors = [m for key, msgs in errors.items() if key.startswith("events") for m in msgs]
    return {
        "values": values, "errors": errors, "event_errors": event_errors, "all_events": ALL_EVENTS in values["events"],
        "event_groups": _event_groups(values["events"]), "formats": Webhook.Format.choices,
    }


@require("settings.manage")
def settings_webhooks(request):
    context = {"webhooks": selectors.webhook_list(), "switched_off": selectors.webhooks_switched_off_for_failing(), "tab": "webhooks"}
    return render(request, "webhooks/settings/list.html", context)


@require("settings.manage")
def settings_webhook_new(request):
    if request.method != "POST":
        return render(request, "webhooks/settings/new.html", {"tab": "webhooks", **_form_context(_values_from(None), {})})
    values = _values_from_post(request.POST)
    try:
        webhook = services.webhook_create(**values)
    except DomainError as exc:
        context = {"tab": "webhooks", **_form_context(values, exc.fields or {"url": [exc.message]})}
        return render(request, "webhooks/settings/new.html", context, status=422)
    request.session[NEW_SECRET_SESSION] = {"webhook_id": webhook.pk, "secret": webhook.secret}
    messages.success(request, _("Webhook added. Copy its secret now: it is shown only once."))
    return redirect("webhooks:settings_detail", webhook_id=webhook.pk)


def _detail_page(request, webhook: Webhook, *, values=None, errors=None, status=200):
    before = _int(request.GET.get("before")) or None
    deliveries, next_before = selectors.delivery_page(webhook.pk, before_id=before)
    shown = request.session.pop(NEW_SECRET_SESSION, None)
    context = {
        "tab": "webhooks", "webhook": webhook, "deliveries": deliveries, "next_before": next_before, "paged": before is not None,
        "new_secret": shown["secret"] if shown and shown.get("webhook_id") == webhook.pk else None,
        "error_kinds": ERROR_KINDS, "max_attempts": delivery_services.MAX_ATTEMPTS,
        "log_days": delivery_services.LOG_RETENTION.days,
        **_form_context(values or _values_from(webhook), errors or {}),
    }
    return render(request, "webhooks/settings/detail.html", context, status=status)


def _run(request, action, success: str) -> bool:
    try:
        action()
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return False
    messages.success(request, success)
    return True


@require("settings.manage")
def settings_webhook(request, webhook_id: int):
    webhook = selectors.webhook_get(webhook_id)
    if webhook is None:
        raise Http404
    if request.method != "POST":
        return _detail_page(request, webhook)
    post, action = request.POST, request.POST.get("action", "save")
    if action == "save":
        values = _values_from_post(post)
        try:
            services.webhook_update(webhook_id=webhook.pk, **values)
        except DomainError as exc:
            return _detail_page(request, webhook, values=values, errors=exc.fields or {"url": [exc.message]}, status=422)
        messages.success(request, _("Webhook saved."))
    elif action == "switch_on":
        _run(request, lambda: services.webhook_update(webhook_id=webhook.pk, is_active=True), _("Webhook switched on."))
    elif action == "rotate":
        rotated = services.webhook_rotate_secret(webhook_id=webhook.pk)
        request.session[NEW_SECRET_SESSION] = {"webhook_id": rotated.pk, "secret": rotated.secret}
        messages.success(request, _("New secret made. For a day, deliveries are signed with the old one too."))
    elif action == "test":
        _run(request, lambda: delivery_services.webhook_send_test(webhook_id=webhook.pk), _("Test event sent. Its result shows in the log below."))
    elif action == "redeliver":
        _run(
            request,
            lambda: delivery_services.delivery_redeliver(webhook_id=webhook.pk, delivery_id=_int(post.get("delivery_id"))),
            _("Redelivery queued. Its result shows in the log below."),
        )
    elif action == "delete":
        services.webhook_delete(webhook_id=webhook.pk)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhooks:settings_list")
    return redirect("webhooks:settings_detail", webhook_id=webhook.pk)
