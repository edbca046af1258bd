"""Broadcast campaigns' pages: the list, the composer (new and edit, drafts only), the review
step (who gets it, who is left out and why, a test to oneself, then schedule or send), the
progress page (live counts by htmx polling while it sends; pause, resume, cancel), the
report (figures, charts, click map) and who opened and clicked (recipients.py), with its CSV.

Plain POST forms; a successful write answers with a redirect and a message, a refused one
re-renders the form (422) with each error next to its field. Reads and writes go through
the campaigns' services and selectors (the engine) and report.py.

Who: `mail.view` reads every page (admins, marketers, sales); `mail.manage` writes
(admins and marketers).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.contacts import selectors as contacts
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.csv_export import csv_chunks
from sarnakh.core.errors import DomainError
from sarnakh.core.roles import can
from sarnakh.core.ui.formatting import format_when
from sarnakh.core.ui.permissions import require
from sarnakh.mail.campaigns import charts, reasons, recipients, report, selectors, services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.content import selectors as templates
from sarnakh.mail.delivery import selectors as senders
from sarnakh.mail.subscriptions import selectors as subscriptions
from sarnakh.segments import selectors as segments

LIST_SIZE = 100  # campaigns on the list page, newest first (bounded)
MAX_AUDIENCES = 500  # segments and lists offered by the composer's picker
POLL_SECONDS = 3
LIVE = (Campaign.Status.SCHEDULED, Campaign.Status.SENDING)
FIELDS = ("name", "template_id", "sender_id", "topic", "audience_kind", "segment_id", "schedule_kind", "scheduled_at",
          "window_start", "window_end", "track_links", "utm_campaign", "conversion_stage", "conversion_days")


def _campaign_or_404(campaign_id: int) -> Campaign:
    campaign = selectors.campaign_get(campaign_id)
    if campaign is None:
        raise Http404
    return campaign


def _actor(request) -> Actor:
    return Actor.for_user(request.user)


def _error_fields(exc: DomainError) -> dict[str, list[str]]:
    return exc.fields or {"__all__": [exc.message]}


# ---------------------------------------------------------------- the list


@require("mail.view")
def campaign_list(request):
    campaigns = list(selectors.campaign_list()[:LIST_SIZE])
    figures = report.list_figures([c.pk for c in campaigns])
    names = dict(segments.segment_list().filter(pk__in={c.segment_id for c in campaigns if c.segment_id}).values_list("pk", "name"))
    rows = [{"campaign": c, "figures": figures[c.pk], "segment_name": names.get(c.segment_id, "")} for c in campaigns]
    return render(request, "mail/campaigns/list.html", {"rows": rows, "can_manage": can(request.user, "mail.manage")})


# ---------------------------------------------------------------- the composer


def _values_from(campaign: Campaign | None) -> dict[str, Any]:
    if campaign is None:
        return {"name": "", "template_id": "", "sender_id": "", "topic": "", "audience_kind": "segment", "segment_id": "",
                "schedule_kind": "now", "scheduled_at": "", "window_start": "", "window_end": "", "track_links": True,
                "utm_campaign": "", "conversion_stage": "", "conversion_days": 30}
    local = timezone.localtime(campaign.scheduled_at) if campaign.scheduled_at else None
    return {
        "name": campaign.name, "template_id": campaign.template_id, "sender_id": campaign.sender_id or "",
        "topic": campaign.topic, "audience_kind": campaign.audience_kind, "segment_id": campaign.segment_id or "",
        "schedule_kind": campaign.schedule_kind, "scheduled_at": local.strftime("%Y-%m-%dT%H:%M") if local else "",
        "window_start": campaign.window_start.strftime("%H:%M") if campaign.window_start else "",
        "window_end": campaign.window_end.strftime("%H:%M") if campaign.window_end else "",
        "track_links": campaign.track_links, "utm_campaign": campaign.utm_campaign,
        "conversion_stage": campaign.conversion_stage, "conversion_days": campaign.conversion_days,
    }


def _id(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() and 0 < len(text) < 19 and int(text) > 0 else None


def _parse(post, errors: dict[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the form's values as typed, the services' keyword arguments); unreadable values add
    an error to `errors` under their field."""
    values = {name: post.get(name, "").strip() for name in FIELDS}
    values["track_links"] = post.get("track_links") == "on"
    data: dict[str, Any] = {
        "name": values["name"], "topic": values["topic"], "audience_kind": values["audience_kind"] or "segment",
        "schedule_kind": values["schedule_kind"] or "now", "track_links": values["track_links"],
        "utm_campaign": values["utm_campaign"], "conversion_stage": values["conversion_stage"],
    }
    data["template_id"] = _id(values["template_id"])
    if data["template_id"] is None:
        errors.setdefault("template_id", []).append(_("Choose a template."))
    data["sender_id"] = _id(values["sender_id"])
    data["segment_id"] = _id(values["segment_id"])
    data["scheduled_at"] = None
    if values["scheduled_at"]:
        try:
            moment = dt.datetime.fromisoformat(values["scheduled_at"])
            data["scheduled_at"] = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
        except ValueError:
            errors.setdefault("scheduled_at", []).append(_("Enter a date and time."))
    for name in ("window_start", "window_end"):
        data[name] = None
        if values[name]:
            try:
                data[name] = dt.time.fromisoformat(values[name])
            except ValueError:
                errors.setdefault(name, []).append(_("Enter a time such as 09:00."))
    days = values["conversion_days"] or "30"
    if days.isdigit() and len(days) < 5:
        data["conversion_days"] = int(days)
    else:
        errors.setdefault("conversion_days", []).append(_("Enter a whole number of days."))
    return values, data


def _composer(request, campaign: Campaign | None, values: dict[str, Any], errors: dict[str, list[str]], status: int = 200):
    segment_rows = list(segments.segment_list()[:MAX_AUDIENCES])
    context = {
        "campaign": campaign, "values": values, "errors": errors, "form_errors": errors.get("__all__", []),
        "templates": templates.template_list(), "senders": senders.senders(), "topics": subscriptions.topics(),
        "segments": [s for s in segment_rows if s.kind == "dynamic"], "lists": [s for s in segment_rows if s.kind == "static"],
        "stages": contacts.stage_list(), "schedule_kinds": Campaign.ScheduleKind.choices,
        "filter_audience": campaign is not None and campaign.audience_kind == Campaign.AudienceKind.FILTER,
        "filter_json": json.dumps(campaign.audience_filter, ensure_ascii=False, indent=2) if campaign else "",
    }
    return render(request, "mail/campaigns/compose.html", context, status=status)


@require("mail.manage")
def campaign_new(request):
    if request.method == "POST":
        errors: dict[str, list[str]] = {}
        values, data = _parse(request.POST, errors)
        if errors:
            return _composer(request, None, values, errors, status=422)
        try:
            campaign = services.campaign_create(actor=_actor(request), **data)
        except DomainError as exc:
            return _composer(request, None, values, _error_fields(exc), status=422)
        messages.success(request, _("Campaign saved as a draft. Review it before sending."))
        return redirect("campaigns:review", campaign_id=campaign.pk)
    return _composer(request, None, _values_from(None), {})


@require("mail.manage")
def campaign_edit(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    if campaign.status != Campaign.Status.DRAFT:
        messages.info(request, _("Only a draft can be changed."))
        return redirect("campaigns:progress", campaign_id=campaign.pk)
    if request.method == "POST":
        errors: dict[str, list[str]] = {}
        values, data = _parse(request.POST, errors)
        if campaign.audience_kind == Campaign.AudienceKind.FILTER:  # set through the API: kept as it is
            data.pop("audience_kind")
            data.pop("segment_id")
        if errors:
            return _composer(request, campaign, {**_values_from(campaign), **values}, errors, status=422)
        try:
            services.campaign_update(actor=_actor(request), campaign_id=campaign.pk, **data)
        except DomainError as exc:
            return _composer(request, campaign, {**_values_from(campaign), **values}, _error_fields(exc), status=422)
        messages.success(request, _("Campaign saved."))
        return redirect("campaigns:review", campaign_id=campaign.pk)
    return _composer(request, campaign, _values_from(campaign), {})


@require("mail.manage")
@require_POST
def campaign_delete(request, campaign_id: int):
    try:
        services.campaign_delete(actor=_actor(request), campaign_id=campaign_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:list")
    messages.success(request, _("Campaign deleted."))
    return redirect("campaigns:list")


# ---------------------------------------------------------------- review, test, schedule


def _summary_context(campaign: Campaign) -> dict[str, Any]:
    return {"segment": segments.segment_get(campaign.segment_id) if campaign.segment_id else None,
            "stage_label": contacts.stage_label(campaign.conversion_stage) if campaign.conversion_stage else ""}


def _labelled(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [{"key": key, "label": reasons.label(key), "count": count}
            for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if count]


@require("mail.view")
def campaign_review(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    review = selectors.campaign_review(campaign.pk)
    context = {
        "campaign": campaign, "review": review, "excluded": _labelled(review.excluded),
        "deferred": _labelled(review.deferred_now), "excluded_total": sum(review.excluded.values()),
        "can_manage": can(request.user, "mail.manage"), "is_draft": campaign.status == Campaign.Status.DRAFT,
        "user_email": request.user.email, **_summary_context(campaign),
    }
    return render(request, "mail/campaigns/review.html", context)


@require("mail.manage")
@require_POST
def campaign_send_test(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    address = (request.user.email or "").strip()
    if not address:
        messages.error(request, _("Your account has no email address: add one to receive test messages."))
        return redirect("campaigns:review", campaign_id=campaign.pk)
    try:
        services.campaign_send_test(actor=_actor(request), campaign_id=campaign.pk, to_address=address)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Test message sent to %(address)s.") % {"address": address})
    return redirect("campaigns:review", campaign_id=campaign.pk)


@require("mail.manage")
@require_POST
def campaign_schedule(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    try:
        campaign = services.campaign_schedule(actor=_actor(request), campaign_id=campaign.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:review", campaign_id=campaign_id)
    if campaign.status == Campaign.Status.SCHEDULED and campaign.scheduled_at:
        messages.success(request, _("Campaign scheduled for %(when)s.") % {"when": format_when(campaign.scheduled_at)})
    else:
        messages.success(request, _("Campaign is sending."))
    return redirect("campaigns:progress", campaign_id=campaign.pk)


# ---------------------------------------------------------------- progress, pause/resume/cancel


def _progress_context(campaign: Campaign) -> dict[str, Any]:
    progress = selectors.campaign_progress(campaign.pk)
    # The bar and its sentence count the recipients to send (the excluded ones never were).
    total = progress.get("total", 0) - progress.get("excluded", 0)
    done = sum(progress.get(key, 0) for key in ("sent", "failed", "bounced", "cancelled"))
    return {"campaign": campaign, "progress": progress, "done": done, "total": total,
            "polling": campaign.status in LIVE, "poll_seconds": POLL_SECONDS}


@require("mail.view")
def campaign_progress(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    context = {**_progress_context(campaign), "can_manage": can(request.user, "mail.manage")}
    if request.GET.get("fragment") == "1":  # the polled block, controls included (they follow the status)
        return render(request, "mail/campaigns/_progress.html", context)
    context.update(_summary_context(campaign))
    return render(request, "mail/campaigns/progress.html", context)


ACTIONS = {"pause": services.campaign_pause, "resume": services.campaign_resume, "cancel": services.campaign_cancel}


@require("mail.manage")
@require_POST
def campaign_control(request, campaign_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](actor=_actor(request), campaign_id=campaign_id)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, {"pause": _("Campaign paused."), "resume": _("Campaign resumed."),
                                   "cancel": _("Campaign cancelled.")}[action])
    return redirect("campaigns:progress", campaign_id=campaign_id)


# ---------------------------------------------------------------- the report


@require("mail.view")
def campaign_report(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    figures = report.campaign_report(campaign)
    series = report.engagement_series(campaign, now=clock.now())
    context = {
        "campaign": campaign, "report": figures, "series": series, **_summary_context(campaign),
        "rates": {"delivered": figures.delivered / figures.sent if figures.sent else None,
                  "openers": figures.rate(figures.unique_openers), "clickers": figures.rate(figures.unique_clickers),
                  "conversions": figures.conversions / figures.sent if figures.sent else None},
        "opens_chart": charts.stacked_bars(series, human="opens_human", machine="opens_machine"),
        "clicks_chart": charts.stacked_bars(series, human="clicks_human", machine="clicks_machine"),
        "deferred": _labelled(figures.deferred), "excluded": _labelled(figures.excluded),
        "unsubscribe_days": report.UNSUBSCRIBE_DAYS,
    }
    return render(request, "mail/campaigns/report.html", context)


# ---------------------------------------------------------------- who opened and clicked

RECIPIENTS_PAGE = 50
MAX_CSV_ROWS = 100_000  # the CSV's bound (pages of recipients.MAX_LIMIT, keyset-walked)
CSV_HEADER = ["contact_id", "email", "name", "status", "sent_at", "first_open_at", "human_opens", "machine_opens",
              "human_clicks", "last_clicked_url", "bounce", "complained", "unsubscribed"]


def _show_labels() -> dict[str, str]:
    return {"all": _("All"), "opened": _("Opened"), "machine_only": _("Opened by machines only"),
            "clicked": _("Clicked"), "not_opened": _("Not opened"), "bounced": _("Bounced"),
            "unsubscribed": _("Unsubscribed")}


def _recipients_query(request) -> tuple[str, str, int | None]:
    """(show, url, after) from the query string; an unknown filter shows all, a bad cursor starts over."""
    show = request.GET.get("show", "all")
    show = show if show in recipients.SHOWS else "all"
    url = request.GET.get("url", "").strip()[: recipients.MAX_URL_LENGTH] if show == "clicked" else ""
    after = _id(request.GET.get("after", ""))
    return show, url, after


@require("mail.view")
def campaign_recipients(request, campaign_id: int):
    campaign = _campaign_or_404(campaign_id)
    show, url, after = _recipients_query(request)
    page = recipients.recipient_engagement(campaign, show=show, url=url, after_id=after, limit=RECIPIENTS_PAGE)
    counts = recipients.show_counts(campaign, url=url)
    labels = _show_labels()
    context = {"campaign": campaign, "page": page, "show": show, "url": url, "after": after,
               "tabs": [{"key": key, "label": labels[key], "count": counts[key]} for key in recipients.SHOWS],
               "status_labels": dict(CampaignRecipient.Status.choices)}
    return render(request, "mail/campaigns/recipients.html", context)


def _csv_rows(campaign: Campaign, show: str, url: str):
    after, written = None, 0
    while written < MAX_CSV_ROWS:
        page = recipients.recipient_engagement(campaign, show=show, url=url, after_id=after, limit=recipients.MAX_LIMIT)
        for row in page.rows:
            yield [row.contact_id, row.email, row.name, row.status, row.sent_at.isoformat() if row.sent_at else "",
                   row.first_open_at.isoformat() if row.first_open_at else "", row.opens_human, row.opens_machine,
                   row.clicks_human, row.last_click_url, row.bounce, "yes" if row.complained else "",
                   "yes" if row.unsubscribed else ""]
        written += len(page.rows)
        if page.next_after is None:
            return
        after = page.next_after


@require("mail.view")
def campaign_recipients_csv(request, campaign_id: int) -> StreamingHttpResponse:
    campaign = _campaign_or_404(campaign_id)
    show, url, _after = _recipients_query(request)
    response = StreamingHttpResponse(csv_chunks(CSV_HEADER, _csv_rows(campaign, show, url)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-{show}.csv"'
    return response
