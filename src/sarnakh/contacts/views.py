"""Staff pages for contacts: list with search, filters and bulk actions; the contact page
with inline edits, stage changes, notes and timeline; create and delete.

Every write goes through services (the same validation as the API). Partial responses
answer htmx; the same URLs answer plain form posts so pages work without JavaScript.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from sarnakh.contacts import selectors, services
from sarnakh.contacts.bulk import services as bulk
from sarnakh.contacts.choices import StageKind
from sarnakh.contacts.fields import contact_fields, contact_property_fields, find_field
from sarnakh.contacts.inline import field_context, field_view
from sarnakh.contacts.timeline_display import describe_activities
from sarnakh.core.actor import Actor
from sarnakh.core.contact_list import (
    CONTACT_BULK_ACTIONS,
    ListSort,
    contact_bulk_actions,
    contact_list_columns,
    with_list_columns,
)
from sarnakh.core.contact_page import TIMELINE_SOURCES, contact_cards
from sarnakh.core.cursors import decode_cursor, encode_cursor
from sarnakh.core.errors import DomainError
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.roles import can
from sarnakh.core.ui.formatting import format_message, format_number, isolate
from sarnakh.core.ui.htmx import error_messages, htmx_target, is_htmx, trigger
from sarnakh.core.ui.permissions import ensure, require
from sarnakh.core.users import assignable_users

PAGE_SIZE = 25
TIMELINE_PAGE = 20
SORT_LABELS = {
    "newest": gettext_lazy("Newest first"),
    "oldest": gettext_lazy("Oldest first"),
    "updated": gettext_lazy("Recently updated"),
    "name": gettext_lazy("Name"),
    "name_desc": gettext_lazy("Name, Z to A"),
    "email": gettext_lazy("Email"),
    "stage": gettext_lazy("Stage"),
    "stage_desc": gettext_lazy("Stage, furthest first"),
}
# The list's own sortable headers: (first click, second click), as in core.contact_list.
OWN_HEADER_SORTS = {
    "name": (ListSort("name", "", (), "ascending"), ListSort("name_desc", "", ())),
    "stage": (ListSort("stage", "", (), "ascending"), ListSort("stage_desc", "", ())),
    "created": (ListSort("newest", "", ()), ListSort("oldest", "", (), "ascending")),
}
SIDE_ACTIONS = ("recycled", "disqualified")
NEW_CONTACT_FIELDS = ("first_name", "last_name", "email", "phone", "company", "job_title", "stage", "source_type", "channel", "owner", "tags")


def _filters(params) -> selectors.ContactFilters:
    owner = params.get("owner", "")
    return selectors.ContactFilters(
        q=params.get("q", "").strip()[:200],
        stage=params.get("stage", ""),
        source_type=params.get("source_type", ""),
        channel=params.get("channel", ""),
        owner=int(owner) if owner.isdigit() else None,
        tag=params.get("tag", ""),
    )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _list_sorts() -> dict[str, tuple[Any, tuple]]:
    """Every order of the list by ?sort= key: (label, order_by), the list's own then the columns'."""
    sorts: dict[str, tuple[Any, tuple]] = {key: (SORT_LABELS.get(key, key), order) for key, order in selectors.SORTS.items()}
    for column in contact_list_columns():
        for sort in column.sorts:
            sorts[sort.key] = (sort.label, sort.order_by)
    return sorts


def _header(label: Any, pair: tuple[ListSort, ...], sort: str, th_class: str = "") -> dict[str, Any]:
    """A column header that sorts: on, it says which way (aria-sort) and a click turns it around."""
    current = next((s for s in pair if s.key == sort), None)
    following = pair[1] if current is pair[0] and len(pair) > 1 else pair[0]
    return {"label": label, "th_class": th_class, "direction": current.direction if current else "", "next_sort": following.key}


def _list_headers(sort: str, columns: list) -> dict[str, Any]:
    return {
        "name": _header(_("Name"), OWN_HEADER_SORTS["name"], sort),
        "stage": _header(_("Stage"), OWN_HEADER_SORTS["stage"], sort),
        "created": _header(_("Created"), OWN_HEADER_SORTS["created"], sort, "hide-sm"),
        "columns": [(column, _header(column.label, column.sorts, sort, column.cell_class)) for column in columns],
    }


def _bulk_extras(request) -> list[dict[str, Any]]:
    """Bulk actions other apps add (core.contact_list), with their choices, for this user."""
    if not can(request.user, "contacts.bulk"):
        return []
    extras = []
    for action in contact_bulk_actions():
        if can(request.user, action.capability):
            choices = action.choices()
            if choices:
                extras.append({"key": action.key, "label": action.label, "value_label": action.value_label, "choices": choices})
    return extras


@require("contacts.view")
def contact_list(request):
    filters = _filters(request.GET)
    sorts = _list_sorts()
    sort = request.GET.get("sort", "newest")
    if sort not in sorts:
        sort = "newest"
    columns = contact_list_columns()
    queryset = selectors.with_relations(with_list_columns(selectors.contact_queryset(filters)).order_by(*sorts[sort][1]))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    partial = htmx_target(request) == "contact-results"
    context = {
        "page": page,
        "filters": filters,
        "sort": sort,
        "sorts": [(key, label) for key, (label, _order) in sorts.items()],
        "headers": _list_headers(sort, columns),
        "stages": selectors.stage_list(),
        "funnel_stages": [s for s in selectors.stage_list() if s.kind == StageKind.FUNNEL],
        "source_types": SourceType.choices,
        "channels": Channel.choices,
        "owners": assignable_users(),
        "tags": selectors.tag_names(),
        "bulk_extras": _bulk_extras(request),
        "has_filters": any([filters.q, filters.stage, filters.source_type, filters.channel, filters.owner, filters.tag]),
    }
    if partial:
        return render(request, "contacts/_results.html", context)
    return render(request, "contacts/list.html", context)


@require_POST
@require("contacts.bulk")
def contact_bulk(request):
    back = _safe_next(request, reverse("contacts:list"))
    ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit()]
    action = request.POST.get("action", "")
    actor = Actor.for_user(request.user)
    try:
        if action == "owner":
            owner = request.POST.get("owner", "")
            n = bulk.contacts_set_owner(contact_ids=ids, owner_id=int(owner) if owner.isdigit() else None, actor=actor)
            messages.success(request, ngettext("Owner changed for %(n)s contact.", "Owner changed for %(n)s contacts.", n) % {"n": format_number(n)})
        elif action == "tag":
            n = bulk.contacts_add_tag(contact_ids=ids, tag=request.POST.get("tag", ""), actor=actor)
            messages.success(request, ngettext("Tag added to %(n)s contact.", "Tag added to %(n)s contacts.", n) % {"n": format_number(n)})
        elif action == "stage":
            moved, skipped = bulk.contacts_move_forward(contact_ids=ids, stage_key=request.POST.get("stage", ""), actor=actor)
            messages.success(request, ngettext("%(n)s contact moved.", "%(n)s contacts moved.", moved) % {"n": format_number(moved)})
            if skipped:
                messages.warning(
                    request,
                    ngettext(
                        "%(n)s contact was not moved: moving back needs a reason, so do it on the contact's page.",
                        "%(n)s contacts were not moved: moving back needs a reason, so do it on each contact's page.",
                        skipped,
                    ) % {"n": format_number(skipped)},
                )
        elif action in CONTACT_BULK_ACTIONS:
            extra = CONTACT_BULK_ACTIONS.get(action)
            ensure(request, extra.capability)
            messages.success(request, extra.handler(contact_ids=ids, value=request.POST.get(action, ""), actor=actor))
        else:
            messages.error(request, _("Choose an action."))
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect(back)


@require("contacts.edit")
def contact_new(request):
    values: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    message = ""
    if request.method == "POST":
        values = {name: request.POST.get(name, "").strip() for name in NEW_CONTACT_FIELDS}
        data: dict = {name: value for name, value in values.items() if value}
        if "owner" in data:
            data["owner"] = int(data["owner"]) if data["owner"].isdigit() else data["owner"]
        if "tags" in data:
            data["tags"] = [t.strip() for t in data["tags"].replace("،", ",").split(",") if t.strip()]
        try:
            result = services.contact_upsert(data=data, actor=Actor.for_user(request.user))
        except DomainError as exc:
            errors, message = exc.fields, exc.message
        else:
            if result.created:
                messages.success(request, _("Contact created."))
            else:
                messages.info(
                    request,
                    _("An existing contact with the same %(field)s was updated instead of creating a duplicate.")
                    % {"field": _("email") if result.matched_on == "email" else _("phone")},
                )
            return redirect("contacts:detail", result.contact.pk)
    context = {
        "values": values,
        "errors": errors,
        "message": message,
        "stages": selectors.stage_list(),
        "source_types": SourceType.choices,
        "channels": Channel.choices,
        "owners": assignable_users(),
    }
    return render(request, "contacts/new.html", context, status=422 if message else 200)


def _live_contact_or_redirect(contact_id: int, url_name: str = "contacts:detail"):
    live_id, redirected = selectors.resolve_contact_id(contact_id)
    if live_id is None:
        raise Http404
    if redirected:
        return None, redirect(url_name, live_id)
    contact = selectors.contact_get(live_id)
    if contact is None:
        raise Http404
    return contact, None


# Other apps' rows (core.contact_page: tracking's visits and back-end events) share the
# timeline with the contact's own activity rows, newest first by (time, rank, id): a
# source's rank orders it within one instant (the contact's own rows are 0).
OWN_ROWS = "activity"
_FAR_ID = 2**62


def _ranks() -> dict[str, int]:
    return {OWN_ROWS: 0, **{source.key: source.rank for source in TIMELINE_SOURCES}}


def _timeline_cursor(before: str, ranks: dict[str, int]) -> tuple[dt.datetime, str, int] | None:
    try:
        parts = decode_cursor(before)
        if len(parts) == 2:  # links made before visits were on the timeline
            parts = [parts[0], OWN_ROWS, parts[1]]
        at, kind, row_id = parts
        return (dt.datetime.fromisoformat(at), kind, int(row_id)) if kind in ranks else None
    except (ValueError, TypeError):
        return None


def _bound(cursor, kind: str, ranks: dict[str, int]) -> tuple[dt.datetime, int] | None:
    """One source's strict (time, id) bound that keeps exactly its items older than the cursor."""
    if cursor is None:
        return None
    at, cursor_kind, row_id = cursor
    rank, cursor_rank = ranks[kind], ranks[cursor_kind]
    if rank == cursor_rank:
        return at, row_id
    return (at, _FAR_ID) if rank < cursor_rank else (at, 0)


def _timeline_context(contact, before: str = "") -> dict:
    """One page of the merged timeline: the newest TIMELINE_PAGE items of all sources
    under the cursor are among the newest TIMELINE_PAGE of each."""
    ranks = _ranks()
    cursor = _timeline_cursor(before, ranks) if before else None
    activities, more = selectors.contact_timeline(contact.pk, before=_bound(cursor, OWN_ROWS, ranks), limit=TIMELINE_PAGE)
    items = [(OWN_ROWS, a.occurred_at, a.pk, a, "") for a in activities]
    for source in TIMELINE_SOURCES:
        found, more_found = source.handler(contact.pk, before=_bound(cursor, source.key, ranks), limit=TIMELINE_PAGE)
        items += [(source.key, i.at, i.id, i.obj, source.template) for i in found]
        more = more or more_found
    items.sort(key=lambda i: (i[1], ranks[i[0]], i[2]), reverse=True)
    more = len(items) > TIMELINE_PAGE or more
    items = items[:TIMELINE_PAGE]
    lines = {line.activity.pk: line for line in describe_activities([i[3] for i in items if i[0] == OWN_ROWS])}
    timeline = [
        {"kind": kind, "line": lines.get(pk) if kind == OWN_ROWS else None, "obj": obj, "template": template}
        for kind, _at, pk, obj, template in items
    ]
    last = items[-1] if more else None
    return {
        "contact": contact,
        "timeline": timeline,
        "timeline_next": encode_cursor(last[1].isoformat(), last[0], last[2]) if last else "",
        "timeline_wrap": not before,
    }


def _default_move(contact, stages, history) -> str:
    """The stage "Move to" offers first: the next funnel stage after the contact's, a
    forward move. From a side state (recycled, disqualified, cold), the funnel stage it was
    in before; at the last funnel stage nothing ("" : the staff member chooses)."""
    funnel = [s for s in stages if s.kind == StageKind.FUNNEL]
    if contact.stage.kind == StageKind.FUNNEL:
        later = [s for s in funnel if s.order > contact.stage.order]
        return later[0].key if later else ""
    funnel_keys = {s.key for s in funnel}
    before = next((change.from_stage for change in history if change.to_stage == contact.stage_id), "")
    return before if before in funnel_keys else (funnel[0].key if funnel else "")


def _stage_context(contact, *, error: str = "", reason: str = "", chosen: str = "") -> dict:
    stages = selectors.stage_list()
    names = {s.key: s.display_name for s in stages}
    history = selectors.contact_stage_history(contact.pk)
    chosen = chosen or _default_move(contact, stages, history)
    for change in history:
        change.from_name = names.get(change.from_stage, change.from_stage)
        change.to_name = names.get(change.to_stage, change.to_stage)
    return {
        "contact": contact,
        "stages": stages,
        "side_actions": [s for s in stages if s.key in SIDE_ACTIONS],
        "stage_history": history,
        "stage_error": error,
        "stage_reason": reason,
        "stage_chosen": chosen,
    }


def _field_rows(contact, fields, can_edit: bool) -> list[dict]:
    return [field_context(contact, f, reverse("contacts:field", args=[contact.pk, f.name]), can_edit=can_edit) for f in fields]


def _detail_context(request, contact) -> dict:
    can_edit = can(request.user, "contacts.edit")
    cards, card_context = contact_cards(request, contact)
    return {
        "contact": contact,
        "field_rows": _field_rows(contact, contact_fields(), can_edit),
        "property_rows": _field_rows(contact, contact_property_fields(), can_edit),
        "notes": selectors.contact_notes(contact.pk),
        "note_url": reverse("contacts:note_add", args=[contact.pk]),
        "cards": cards,
        **card_context,
        **_stage_context(contact),
        **_timeline_context(contact, request.GET.get("before", "")),
    }


@require("contacts.view")
def contact_detail(request, contact_id: int):
    contact, redirect_response = _live_contact_or_redirect(contact_id)
    if redirect_response:
        return redirect_response
    return render(request, "contacts/detail.html", _detail_context(request, contact))


@require("contacts.view")
def contact_field(request, contact_id: int, name: str):
    if request.method == "POST" or request.GET.get("edit"):
        ensure(request, "contacts.edit")
    contact, redirect_response = _live_contact_or_redirect(contact_id)
    if redirect_response:
        return redirect_response
    field = find_field(contact_fields() + contact_property_fields(), name)
    actor = Actor.for_user(request.user)
    return field_view(
        request,
        obj=contact,
        field=field,
        url=reverse("contacts:field", args=[contact.pk, name]),
        back_url=reverse("contacts:detail", args=[contact.pk]),
        save=lambda data: services.contact_update(contact_id=contact.pk, data=data, actor=actor),
        reload=lambda: selectors.contact_get(contact.pk),
        changed_event="contactChanged",
    )


@require_POST
@require("contacts.edit")
def contact_stage(request, contact_id: int):
    contact, redirect_response = _live_contact_or_redirect(contact_id)
    if redirect_response:
        return redirect_response
    action = request.POST.get("action", "move")
    stage_key = action if action in SIDE_ACTIONS else request.POST.get("stage", "")
    reason = request.POST.get("reason", "")
    try:
        services.contact_change_stage(contact_id=contact.pk, stage_key=stage_key, reason=reason, actor=Actor.for_user(request.user))
    except DomainError as exc:
        error = " ".join(error_messages(exc))
        if is_htmx(request):
            context = _stage_context(contact, error=error, reason=reason, chosen=stage_key)
            return render(request, "contacts/_stage.html", context, status=exc.status)
        context = _detail_context(request, contact)
        context.update(stage_error=error, stage_reason=reason, stage_chosen=stage_key)
        return render(request, "contacts/detail.html", context, status=exc.status)
    contact = selectors.contact_get(contact.pk)
    if not is_htmx(request):
        messages.success(request, _("Stage changed to %(stage)s.") % {"stage": contact.stage.display_name})
        return redirect("contacts:detail", contact.pk)
    return trigger(render(request, "contacts/_stage.html", {**_stage_context(contact), "stage_oob": True}), "contactChanged")


@require("contacts.view")
def contact_timeline(request, contact_id: int):
    contact, redirect_response = _live_contact_or_redirect(contact_id, "contacts:timeline")
    if redirect_response:
        return redirect_response
    if not is_htmx(request):
        before = request.GET.get("before", "")
        return redirect(reverse("contacts:detail", args=[contact.pk]) + (f"?before={before}#timeline" if before else "#timeline"))
    return render(request, "contacts/_timeline.html", _timeline_context(contact, request.GET.get("before", "")))


@require_POST
@require("contacts.edit")
def contact_note_add(request, contact_id: int):
    contact, redirect_response = _live_contact_or_redirect(contact_id)
    if redirect_response:
        return redirect_response
    error = ""
    body = request.POST.get("body", "")
    try:
        services.note_add(body=body, contact_id=contact.pk, actor=Actor.for_user(request.user))
        body = ""
    except DomainError as exc:
        error = " ".join(error_messages(exc))
    if not is_htmx(request):
        if error:
            messages.error(request, error)
        return redirect(reverse("contacts:detail", args=[contact.pk]) + "#notes")
    context = {"contact": contact, "notes": selectors.contact_notes(contact.pk), "note_error": error, "note_body": body,
               "note_url": reverse("contacts:note_add", args=[contact.pk])}
    response = render(request, "web/_notes.html", context, status=422 if error else 200)
    return response if error else trigger(response, "contactChanged")


@require("contacts.delete")
def contact_delete(request, contact_id: int):
    contact, redirect_response = _live_contact_or_redirect(contact_id)
    if redirect_response:
        return redirect_response
    if request.method == "POST":
        services.contact_delete(contact_id=contact.pk, actor=Actor.for_user(request.user))
        messages.success(request, format_message(_("Contact “%(name)s” deleted."), name=isolate(str(contact))))
        return redirect("contacts:list")
    return render(request, "contacts/delete.html", {"contact": contact})
