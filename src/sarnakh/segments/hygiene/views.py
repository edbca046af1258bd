"""List hygiene pages (marketing and admins): the overview (address flags, list decay), the
duplicate review (merge in bulk, dismiss a pair) and inactive contacts (report, sunset).

Plain GET pages and POST forms named by `action`; a write answers with a redirect and a
message."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError, ValidationFailed
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.ui.formatting import format_number
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import ensure, require
from sarnakh.segments.hygiene import flags, matching, selectors, services
from sarnakh.segments.hygiene.labels import reason_text

PAGE_SIZE = 50
INACTIVE_SHOWN = 100
DAY_CHOICES = (30, 60, 90, 180, 365)
FLAG_LABELS = {
    flags.ROLE: gettext_lazy("Role addresses"),
    flags.DISPOSABLE: gettext_lazy("Disposable domains"),
    flags.INVALID: gettext_lazy("Invalid addresses"),
}
FLAG_HELP = {
    flags.ROLE: gettext_lazy("A mailbox of a function, read by whoever is on duty, not by one person. For example:"),
    flags.DISPOSABLE: gettext_lazy("A throwaway inbox service, from the maintained disposable-email-domains list."),
    flags.INVALID: gettext_lazy("Not shaped like an address: no @ or more than one, no dot in the domain, spaces, or stray dots."),
}
ROLE_EXAMPLES = ("info@", "sales@", "support@", "noreply@")
SOURCE_LABELS = dict(SourceType.choices)
CHANNEL_LABELS = dict(Channel.choices)


def _offset(value: Any) -> int:
    text = str(value or "")
    return int(text) if text.isdigit() and len(text) < 9 else 0


@require("contacts.bulk")
def overview(request):
    flag = request.GET.get("flag", "")
    if flag and flag not in flags.FLAGS:
        raise Http404
    counts = selectors.flag_counts()
    decay = selectors.decay()
    context = {
        "tab": "overview",
        "flags": [{"key": f, "label": FLAG_LABELS[f], "help": FLAG_HELP[f], "count": counts[f],
                   "examples": ROLE_EXAMPLES if f == flags.ROLE else ()} for f in flags.FLAGS],
        "flag": flag,
        "flag_label": FLAG_LABELS.get(flag, ""),
        "flagged": list(selectors.flagged_contacts(flag).select_related("company")[:PAGE_SIZE]) if flag else [],
        "flag_count": counts.get(flag, 0),
        "decay": decay,
        "decay_sources": [(SOURCE_LABELS.get(r.key, r.key), r) for r in decay.by_source_type],
        "decay_channels": [(CHANNEL_LABELS.get(r.key, r.key), r) for r in decay.by_channel],
        "benchmark": selectors.DECAY_BENCHMARK,
        "activity_sources": selectors.ACTIVITY_SOURCES,
    }
    return render(request, "segments/hygiene/overview.html", context)


def _pairs_from(post) -> list[tuple[int, int]]:
    pairs = []
    for value in post.getlist("ids")[: services.MAX_MERGES + 1]:
        a, sep, b = str(value).partition("-")
        if sep and a.isdigit() and b.isdigit() and len(a) < 19 and len(b) < 19:
            pairs.append((int(a), int(b)))
    return pairs


@require("contacts.bulk")
def duplicates(request):
    if request.method == "POST":
        ensure(request, "contacts.merge")
        return _duplicates_post(request)
    result = selectors.duplicate_candidates()
    offset = _offset(request.GET.get("offset"))
    shown = result.candidates[offset:offset + PAGE_SIZE]
    people = selectors.contacts_by_id({i for c in shown for i in (c.a, c.b)})
    rows = []
    for candidate in shown:
        a, b = people.get(candidate.a), people.get(candidate.b)
        if a is None or b is None:
            continue
        older = a if (a.created_at, a.pk) <= (b.created_at, b.pk) else b
        rows.append({"a": a, "b": b, "key": f"{a.pk}-{b.pk}", "score": round(candidate.score), "keep": older.pk,
                     "reasons": [reason_text(r) for r in candidate.reasons]})
    context = {
        "tab": "duplicates",
        "rows": rows,
        "result": result,
        "total": len(result.candidates),
        "offset": offset,
        "previous": max(offset - PAGE_SIZE, 0) if offset else None,
        "next": offset + PAGE_SIZE if offset + PAGE_SIZE < len(result.candidates) else None,
        "bounds": {"block": matching.MAX_BLOCK, "comparisons": matching.MAX_COMPARISONS,
                   "pairs": matching.MAX_PAIRS, "merges": services.MAX_MERGES},
        "threshold": matching.NAME_THRESHOLD,
    }
    return render(request, "segments/hygiene/duplicates.html", context)


def _duplicates_post(request):
    actor = Actor.for_user(request.user)
    back = reverse("hygiene:duplicates")
    one = request.POST.get("dismiss_one", "")
    action = "dismiss" if one else request.POST.get("action", "")
    pairs = _pairs_from(_Single(one) if one else request.POST)
    try:
        if action == "dismiss":
            if not pairs or len(pairs) > services.MAX_MERGES:
                raise ValidationFailed(_("Select one to %(max)s pairs.") % {"max": format_number(services.MAX_MERGES)})
            services.duplicates_dismiss(pairs=pairs, actor=actor)
            messages.success(request, ngettext("%(count)s pair marked as two different people.",
                                               "%(count)s pairs marked as different people.", len(pairs))
                             % {"count": format_number(len(pairs))})
        elif action == "merge":
            chosen = []
            for a, b in pairs:
                keep = request.POST.get(f"keep_{a}-{b}", "")
                survivor = int(keep) if keep in (str(a), str(b)) else services.default_survivor(a, b)
                chosen.append((survivor, b if survivor == a else a))
            outcome = services.duplicates_merge(pairs=chosen, actor=actor)
            merged = len(outcome.merged)
            messages.success(request, ngettext("%(count)s pair merged.", "%(count)s pairs merged.", merged)
                             % {"count": format_number(merged)})
            for survivor, loser, why in outcome.skipped:
                messages.warning(request, _("Contacts #%(a)s and #%(b)s were not merged: %(why)s") % {
                    "a": format_number(survivor), "b": format_number(loser), "why": why})
        else:
            messages.error(request, _("Choose an action."))
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect(back)


class _Single:
    def __init__(self, value: str):
        self.value = value

    def getlist(self, _name):
        return [self.value]


@require("contacts.bulk")
def inactive(request):
    days = selectors.clean_days(request.POST.get("days") or request.GET.get("days"))
    if request.method == "POST":
        return _inactive_post(request, days)
    qs = selectors.inactive_contacts(days)
    count = qs.count()
    breakdown = selectors.inactive_breakdown(qs)
    context = {
        "tab": "inactive",
        "days": days,
        "day_choices": DAY_CHOICES,
        "count": count,
        "contacts": list(qs.select_related("company", "stage")[:INACTIVE_SHOWN]),
        "shown_max": INACTIVE_SHOWN,
        "by_source": [(SOURCE_LABELS.get(r.key, r.key), r.count) for r in breakdown["source_type"]],
        "by_channel": [(CHANNEL_LABELS.get(r.key, r.key), r.count) for r in breakdown["channel"]],
        "max_sunset": services.MAX_SUNSET,
        "activity_sources": selectors.ACTIVITY_SOURCES,
    }
    return render(request, "segments/hygiene/inactive.html", context)


def _inactive_post(request, days: int):
    back = reverse("hygiene:inactive") + "?" + urlencode({"days": days})
    if request.POST.get("scope") == "all":
        ids = list(selectors.inactive_contacts(days).values_list("pk", flat=True)[: services.MAX_SUNSET])
    else:
        ids = [int(i) for i in request.POST.getlist("ids")[: services.MAX_SUNSET + 1] if str(i).isdigit() and len(str(i)) < 19]
    try:
        outcome = services.contacts_sunset(
            contact_ids=ids, days=days, move_to_cold=bool(request.POST.get("cold")),
            unsubscribe=bool(request.POST.get("unsubscribe")), actor=Actor.for_user(request.user),
        )
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("Sunset: %(moved)s moved to cold, %(unsubscribed)s unsubscribed, %(skipped)s left as they were.") % {
            "moved": format_number(outcome.moved), "unsubscribed": format_number(outcome.unsubscribed),
            "skipped": format_number(outcome.skipped)})
    return redirect(back)
