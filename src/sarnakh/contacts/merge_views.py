"""The merge page: pick the other contact by search, preview conflicting fields, choose
per field which value survives (default: the newer non-empty value), merge."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sarnakh.contacts import merge, selectors
from sarnakh.contacts.models import Contact
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError
from sarnakh.core.ui.formatting import format_number
from sarnakh.core.ui.htmx import error_messages, htmx_target
from sarnakh.core.ui.permissions import require

CANDIDATE_LIMIT = 10


def _shown(contact: Contact, name: str) -> str:
    value = getattr(contact, name)
    if value in (None, ""):
        return ""
    if name == "company_id":
        return contact.company.name if contact.company else str(value)
    if name == "owner_id":
        return (contact.owner.get_full_name() or contact.owner.get_username()) if contact.owner else str(value)
    display = getattr(contact, f"get_{name}_display", None)
    return str(display()) if display else str(value)


def merge_conflicts(survivor: Contact, loser: Contact) -> list[dict]:
    """Fields where both contacts have different non-empty values, with the default side."""
    names = [n for n in merge.MERGE_FIELDS if n != "consent_at"]
    a = {n: getattr(survivor, n) for n in names}
    b = {n: getattr(loser, n) for n in names}
    survivor_is_newer = (survivor.updated_at, survivor.pk) >= (loser.updated_at, loser.pk)
    picked = merge.pick_merged_values(a, b, survivor_is_newer=survivor_is_newer, choices={})
    rows = []
    for name in names:
        if merge._empty(a[name]) or merge._empty(b[name]) or a[name] == b[name]:
            continue
        field = Contact._meta.get_field(name.removesuffix("_id"))
        rows.append(
            {
                "key": name.removesuffix("_id"),
                "label": capfirst(field.verbose_name),
                "survivor": _shown(survivor, name),
                "loser": _shown(loser, name),
                "default": "survivor" if picked[name] == a[name] else "loser",
            }
        )
    return rows


@require("contacts.merge")
def contact_merge(request, contact_id: int):
    survivor = selectors.contact_get(contact_id)
    if survivor is None:
        raise Http404
    other_id = request.POST.get("other") or request.GET.get("other") or ""
    loser = selectors.contact_get(int(other_id)) if other_id.isdigit() else None
    if loser is not None and loser.pk == survivor.pk:
        loser = None
    error = ""
    if request.method == "POST" and loser is not None:
        choices = {}
        for row in merge_conflicts(survivor, loser):
            side = request.POST.get(f"choice_{row['key']}", row["default"])
            choices[row["key"]] = side if side in ("survivor", "loser") else row["default"]
        try:
            merged = merge.contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=Actor.for_user(request.user), choices=choices)
        except DomainError as exc:
            error = " ".join(error_messages(exc))
        else:
            messages.success(request, _("Contact #%(id)s was merged into this one.") % {"id": format_number(loser.pk)})
            return redirect("contacts:detail", merged.pk)
    q = request.GET.get("q", "").strip()[:200]
    candidates = []
    if q and loser is None:
        qs = selectors.contact_queryset(selectors.ContactFilters(q=q)).exclude(pk=survivor.pk).order_by("-updated_at", "-id")
        candidates = list(selectors.with_relations(qs)[:CANDIDATE_LIMIT])
    context = {
        "contact": survivor,
        "other": loser,
        "q": q,
        "candidates": candidates,
        "conflicts": merge_conflicts(survivor, loser) if loser else [],
        "error": error,
    }
    if htmx_target(request) == "merge-candidates":
        return render(request, "contacts/_merge_candidates.html", context)
    return render(request, "contacts/merge.html", context, status=422 if error else 200)
