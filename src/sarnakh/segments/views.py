"""Segment pages: the segments and lists, the builder of a dynamic segment (condition rows in
nested AND/OR groups, a live count and a sample of members), a segment's page (members,
CSV export, refresh, membership over time, recent joins and leaves, freeze into a list),
a static list's page (add and remove members), and the contact list's bulk "Add to list".

Plain POST forms named by `action` that work without JavaScript; htmx only swaps in what
the server renders (the tree after a row button, the live count after a change). A
rejected save re-renders the builder (422) with each error beside the row its path names,
and nothing is saved."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core.actor import Actor
from sarnakh.core.conditions import OPERATORS
from sarnakh.core.csv_export import csv_chunks
from sarnakh.core.errors import DomainError
from sarnakh.core.filters.compile import FilterError, parse_filter
from sarnakh.core.filters.fields import FIELDS
from sarnakh.core.roles import can
from sarnakh.core.ui.formatting import format_message, format_number, isolate
from sarnakh.core.ui.htmx import error_messages
from sarnakh.core.ui.permissions import require
from sarnakh.core.users import assignable_users
from sarnakh.segments import selectors, services
from sarnakh.segments.export import HEADER, member_rows
from sarnakh.segments.models import Segment
from sarnakh.segments.pages import builder, charts, queries
from sarnakh.segments.pages.builder import CondRow, GroupRow
from sarnakh.segments.reasons import reason_label

GROUP_ORDER = ("Contact", "Company", "Scores", "Behaviour", "Segments and lists")
CHART_DAYS = (30, 90)
# Operators whose shared label names a number ("at least N times"): the builder puts the
# input where the N is, so it shows the words around it.
BUILDER_OPS = {
    "at_least": gettext_lazy("at least … times"), "fewer_than": gettext_lazy("fewer than … times"),
    "in_last_days": gettext_lazy("in the last … days"), "more_than_days_ago": gettext_lazy("more than … days ago"),
    "in_next_days": gettext_lazy("in the next … days"),
}
BEHAVIOUR_HELP = {
    "page_views": gettext_lazy("Path pattern: * is any run of characters, e.g. /pricing*"),
    "custom_event": gettext_lazy("The event's name, as the tracking snippet sends it"),
    "form_submitted": gettext_lazy("The form's address name (slug); empty: any form"),
}


def _segment_or_404(segment_id: int) -> Segment:
    segment = selectors.segment_get(segment_id)
    if segment is None:
        raise Http404
    return segment


def _person_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["reason_label"] = reason_label(row.get("reason", ""))
    return rows


# ---------------------------------------------------------------- the list


@require("segments.view")
def segment_list(request: HttpRequest) -> HttpResponse:
    segments = list(selectors.segment_list())
    context = {
        "dynamic": [s for s in segments if s.kind == Segment.Kind.DYNAMIC],
        "static": [s for s in segments if s.kind == Segment.Kind.STATIC],
        "can_manage": can(request.user, "segments.manage"),
        "can_hygiene": can(request.user, "contacts.bulk"),
        "can_audiences": can(request.user, "audiences.manage"),
    }
    return render(request, "segments/list.html", context)


# ---------------------------------------------------------------- the builder


def field_groups() -> list[dict[str, Any]]:
    """The field picker's option groups, in the language's group order, labels translated."""
    groups: dict[str, dict[str, Any]] = {}
    for spec in FIELDS:
        with translation.override(None):
            key = str(spec.group)
        group = groups.setdefault(key, {"label": str(spec.group), "fields": []})
        group["fields"].append({"key": spec.key, "label": str(spec.label), "family": spec.family})
    order = {name: i for i, name in enumerate(GROUP_ORDER)}
    return [groups[k] for k in sorted(groups, key=lambda k: (order.get(k, len(order)), list(groups).index(k)))]


def _choices_for(row: CondRow, stages: list[tuple[str, str]], users: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if row.field == "stage":
        return stages
    if row.field == "owner":
        return users
    if row.field == "segment":
        return [(str(s.pk), s.name) for s in selectors.segment_list()]
    spec = builder.spec_of(row)
    return [(str(value), str(label)) for value, label in (spec.choices if spec else ())]


def _decorate(node: CondRow | GroupRow, stages, users) -> None:
    """What each row's template needs beyond its typed values: operators, value kind, choices."""
    if isinstance(node, GroupRow):
        for child in node.children:
            _decorate(child, stages, users)
        return
    spec = builder.spec_of(node)
    node.operators = [(op, str(BUILDER_OPS.get(op) or OPERATORS.get(op).label)) for op in (spec.operators if spec else ())]  # type: ignore[attr-defined]
    node.kind = builder.value_kind(node)  # type: ignore[attr-defined]
    node.value_type = "number" if node.kind == "between" and builder.is_family(node.field) else (spec.value_type if spec else "text")  # type: ignore[attr-defined]
    node.family = builder.is_family(node.field)  # type: ignore[attr-defined]
    node.choices = _choices_for(node, stages, users)  # type: ignore[attr-defined]
    node.behaviour_keys = builder.BEHAVIOUR_KEYS.get(node.field, ())  # type: ignore[attr-defined]
    node.behaviour_help = BEHAVIOUR_HELP.get(node.field, "")  # type: ignore[attr-defined]
    node.unknown_field = bool(node.field) and node.field not in FIELDS  # type: ignore[attr-defined]


def _count_context(root: GroupRow) -> dict[str, Any]:
    try:
        tree = parse_filter(builder.filter_from_rows(root))
    except FilterError:
        return {"count_error": True}
    count, people = queries.live_count_and_sample(tree)
    return {"live_count": count, "sample": people}


def _builder_page(request, *, root: GroupRow, values: dict[str, str], segment: Segment | None,
                  errors: dict[str, list[str]] | None = None, general: list[str] | None = None, status: int = 200) -> HttpResponse:
    stages = [(s["key"], s["label"]) for s in stage_choices()]
    users = [(str(u.pk), str(u.get_full_name() or u.get_username())) for u in assignable_users()]
    _decorate(root, stages, users)
    context = {
        "segment": segment, "root": root, "values": values, "errors": errors or {}, "general_errors": general or [],
        "has_errors": bool(errors or general or builder.has_errors(root)), "field_groups": field_groups(),
        "stage_choices": stages, **_count_context(root),
    }
    return render(request, "segments/builder.html", context, status=status)


def stage_choices() -> list[dict[str, str]]:
    """Lifecycle stages as (key, the reader's label), in the funnel's order."""
    return [{"key": stage.key, "label": stage.display_name} for stage in contact_selectors.stage_list()]


def _save(request, *, root: GroupRow, values: dict[str, str], segment: Segment | None) -> HttpResponse:
    data = builder.filter_from_rows(root)
    try:
        parse_filter(data)
    except FilterError as exc:
        general = [] if builder.attach_error(root, exc.path, exc.message) else [exc.message]
        return _builder_page(request, root=root, values=values, segment=segment, general=general, status=422)
    try:
        if segment is None:
            segment = services.segment_create(name=values["name"], description=values["description"], filter=data)
            messages.success(request, _("Segment created with %(n)s members.") % {"n": format_number(segment.member_count)})
        else:
            segment = services.segment_update(segment_id=segment.pk, name=values["name"], description=values["description"], filter=data)
            messages.success(request, _("Segment saved: %(n)s members.") % {"n": format_number(segment.member_count)})
    except DomainError as exc:
        fields = {k: v for k, v in (exc.fields or {}).items() if k in ("name", "description")}
        general = []
        for key, msgs in (exc.fields or {}).items():  # e.g. a cycle between segments, found by the service
            if key not in fields:
                path = key[len("filter."):] if key.startswith("filter.") else ""
                general += [m for m in msgs if not (path and builder.attach_error(root, path, m))]
        general = general or ([] if fields or builder.has_errors(root) else [exc.message])
        return _builder_page(request, root=root, values=values, segment=segment, errors=fields, general=general, status=422)
    return redirect("segments:detail", segment_id=segment.pk)


def _handle_builder(request, segment: Segment | None) -> HttpResponse:
    post = dict(request.POST.lists())
    root = builder.rows_from_post(post)
    values = {"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
    if builder.apply_action(root, request.POST.get("action", "save")):
        return _builder_page(request, root=root, values=values, segment=segment)
    return _save(request, root=root, values=values, segment=segment)


@require("segments.manage")
def segment_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _handle_builder(request, None)
    root = GroupRow(token=builder.ROOT)
    root.children.append(CondRow(token="n1", field="stage", op="in", values=["lead"]))
    return _builder_page(request, root=root, values={"name": "", "description": ""}, segment=None)


@require("segments.manage")
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(segment_id)
    if segment.kind == Segment.Kind.STATIC:
        return _list_form(request, segment)
    if request.method == "POST":
        return _handle_builder(request, segment)
    values = {"name": segment.name, "description": segment.description}
    return _builder_page(request, root=builder.rows_from_filter(segment.filter), values=values, segment=segment)


@require_POST
@require("segments.manage")
def segment_count(request: HttpRequest) -> HttpResponse:
    """The live count and sample as a fragment, for the builder's htmx requests."""
    root = builder.rows_from_post(dict(request.POST.lists()))
    return render(request, "segments/_live_count.html", _count_context(root))


# ---------------------------------------------------------------- a segment's page


def _after(request) -> int | None:
    text = request.GET.get("after", "")
    return int(text) if text.isdigit() and len(text) < 19 else None


@require("segments.view")
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(segment_id)
    days = int(request.GET.get("days", "30")) if request.GET.get("days") in ("30", "90") else 30
    members, next_after = queries.members_page(segment, after=_after(request))
    series = queries.membership_per_day(segment, days=days)
    context = {
        "segment": segment, "members": _person_rows(members), "next_after": next_after,
        "paged": _after(request) is not None, "changes": _person_rows(queries.recent_changes(segment)),
        "chart": charts.membership_bars(series), "days": days, "chart_days": CHART_DAYS,
        "joined": sum(r["entered"] for r in series), "left": sum(r["left"] for r in series),
        "can_manage": can(request.user, "segments.manage"), "is_dynamic": segment.kind == Segment.Kind.DYNAMIC,
        "can_manage_audiences": can(request.user, "audiences.manage"),
        "conditions_text": describe(segment.filter) if segment.kind == Segment.Kind.DYNAMIC else [],
    }
    return render(request, "segments/detail.html", context)


@require("segments.view")
def segment_export(request: HttpRequest, segment_id: int) -> StreamingHttpResponse:
    segment = _segment_or_404(segment_id)
    response = StreamingHttpResponse(csv_chunks(HEADER, member_rows(segment.pk)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="segment-{segment.pk}-members.csv"'
    return response


@require_POST
@require("segments.manage")
def segment_refresh(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(segment_id)
    try:
        entered, left = services.segment_refresh(segment_id=segment.pk)
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    else:
        messages.success(request, _("Refreshed: %(entered)s joined, %(left)s left.") % {
            "entered": format_number(entered), "left": format_number(left)})
    return redirect("segments:detail", segment_id=segment.pk)


@require("segments.manage")
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(segment_id)
    if request.method == "POST":
        services.segment_delete(segment_id=segment.pk)
        messages.success(request, _("Deleted."))
        return redirect("segments:list")
    return render(request, "segments/delete.html", {"segment": segment})


@require_POST
@require("segments.manage")
def segment_freeze(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = _segment_or_404(segment_id)
    name = request.POST.get("name", "").strip() or _("%(name)s (frozen)") % {"name": segment.name}
    try:
        frozen = services.segment_freeze(segment_id=segment.pk, name=name, actor=_actor(request))
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
        return redirect("segments:detail", segment_id=segment.pk)
    messages.success(request, _("Frozen into a static list with %(n)s members.") % {"n": format_number(frozen.member_count)})
    return redirect("segments:detail", segment_id=frozen.pk)


def _actor(request) -> Any:
    return Actor.for_user(request.user)


# ---------------------------------------------------------------- static lists


def _list_form(request, segment: Segment | None) -> HttpResponse:
    values = {"name": segment.name if segment else "", "description": segment.description if segment else ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {"name": request.POST.get("name", ""), "description": request.POST.get("description", "")}
        try:
            if segment is None:
                segment = services.segment_create(name=values["name"], description=values["description"], kind=Segment.Kind.STATIC)
                messages.success(request, _("List created. Add its members below."))
            else:
                services.segment_update(segment_id=segment.pk, name=values["name"], description=values["description"])
                messages.success(request, _("Saved."))
        except DomainError as exc:
            errors = exc.fields or {"name": [exc.message]}
        else:
            return redirect("segments:detail", segment_id=segment.pk)
    context = {"segment": segment, "values": values, "errors": errors}
    return render(request, "segments/list_form.html", context, status=422 if errors else 200)


@require("segments.manage")
def list_new(request: HttpRequest) -> HttpResponse:
    return _list_form(request, None)


@require_POST
@require("segments.manage")
def list_members(request: HttpRequest, segment_id: int) -> HttpResponse:
    """Adds the contacts typed in (emails or ids) or removes the ticked ones."""
    segment = _segment_or_404(segment_id)
    back = reverse("segments:detail", kwargs={"segment_id": segment.pk})
    try:
        if request.POST.get("action") == "remove":
            ids = [int(i) for i in request.POST.getlist("ids") if i.isdigit() and len(i) < 19]
            n = services.list_remove(segment_id=segment.pk, contact_ids=ids, actor=_actor(request))
            messages.success(request, ngettext("%(n)s contact removed.", "%(n)s contacts removed.", n) % {"n": format_number(n)})
        else:
            ids, unknown = queries.contacts_named(request.POST.get("contacts", ""))
            n = services.list_add(segment_id=segment.pk, contact_ids=ids, actor=_actor(request)) if ids else 0
            messages.success(request, ngettext("%(n)s contact added.", "%(n)s contacts added.", n) % {"n": format_number(n)})
            if unknown:
                messages.warning(request, _("No contact found for: %(items)s") % {"items": ", ".join(unknown[:20])})
    except DomainError as exc:
        messages.error(request, " ".join(error_messages(exc)))
    return redirect(back)


# ---------------------------------------------------------------- reading a filter


def describe(data: Any) -> list[dict[str, Any]]:
    """The stored filter as nested readable lines for the segment's page."""
    root = builder.rows_from_filter(data)
    stages = [(s["key"], s["label"]) for s in stage_choices()]
    _decorate(root, stages, [])
    return [_describe(root)]


def _describe(node: CondRow | GroupRow) -> dict[str, Any]:
    if isinstance(node, GroupRow):
        return {"group": True, "match": node.match, "negate": node.negate, "children": [_describe(c) for c in node.children]}
    spec = builder.spec_of(node)
    label = str(FIELDS.get(node.field).label) if node.field in FIELDS else node.field
    op = "" if node.kind == "behaviour" else (str(OPERATORS.get(node.op).label) if node.op in OPERATORS else node.op)
    choices = dict(getattr(node, "choices", []))
    if node.kind == "behaviour":
        value, text = _behaviour_text(node), ""
    elif node.kind == "many":
        value, text = None, ", ".join(str(choices.get(v, v)) for v in node.values)
    elif node.kind == "between":
        value, text = None, f"{node.value} – {node.value2}"
    else:
        value, text = None, str(choices.get(node.value, node.value))
    return {"group": False, "field": label, "key": node.key, "op": op, "text": text, "behaviour": value,
            "value_type": spec.value_type if spec else "text", "kind": node.kind}


def _behaviour_text(row: CondRow) -> str:
    """"at least 2 times in the last 14 days, on pages /pricing*" with the typed values isolated."""
    times = _count_text(row.times or "1")
    parts = [format_message(_("fewer than %(n)s times") if row.op == "fewer_than" else _("at least %(n)s times"), n=times)]
    parts.append(format_message(_("in the last %(n)s days"), n=_count_text(row.days)) if row.days else _("ever"))
    if row.path:
        parts.append(format_message(_("on pages %(path)s"), path=format_html('<bdi class="uv" dir="ltr">{}</bdi>', row.path)))
    if row.name:
        parts.append(format_message(_("named %(name)s"), name=isolate(row.name)))
    if row.form:
        parts.append(format_message(_("form %(form)s"), form=isolate(row.form)))
    if row.extra:
        parts.append(_("with a condition on the event's properties"))
    return mark_safe(", ".join(conditional_escape(p) for p in parts))


def _count_text(text: str) -> str:
    return format_number(int(text)) if text.isdigit() and len(text) < 10 else isolate(text)
