"""Scoring staff pages: the models, the rule editor (impact preview, save → bulk re-score),
version history with restore, re-score progress and the score distribution.

Plain POST forms named by `action` that work without JavaScript; scoring/editor.js only
adds, removes and moves rows in the browser and fetches the preview in place. A rejected
save or preview re-renders the editor (422) with each error beside its input and
everything as typed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sarnakh.core.errors import DomainError, NotFound
from sarnakh.core.roles import can
from sarnakh.core.ui.formatting import format_number
from sarnakh.core.ui.htmx import is_htmx
from sarnakh.core.ui.permissions import ensure, require
from sarnakh.scoring import charts, distribution, rescore, selectors, services
from sarnakh.scoring.editor import form as editor_form
from sarnakh.scoring.editor import selectors as editor_selectors
from sarnakh.scoring.editor.form import ENGAGEMENT, FIT, EditorState
from sarnakh.scoring.engine import conditions
from sarnakh.scoring.engine.qualification import GRADES, QUALIFICATION_KINDS
from sarnakh.scoring.engine.spec import EVENT_TYPE_CHOICES, INTENTS
from sarnakh.scoring.field_labels import FIELD_LABELS, field_label, field_labels
from sarnakh.scoring.models import RescoreRun

RESERVED_KEYS = {"new"}  # would be shadowed by scoring/models/new/


def _found(getter, *args):
    try:
        return getter(*args)
    except NotFound as exc:
        raise Http404(exc.message) from None


def _tab(tab: str, **extra: Any) -> dict[str, Any]:
    return {"scoring_tab": tab, **extra}


# ---------------------------------------------------------------- models


@require("scoring.view")
def models_list(request: HttpRequest) -> HttpResponse:
    context = _tab("models", models=editor_selectors.scoring_models_overview(), can_manage=can(request.user, "scoring.manage"))
    return render(request, "scoring/models.html", context)


# ---------------------------------------------------------------- the editor


def _choices() -> dict[str, Any]:
    operators = [
        {"key": op.key, "label": str(op.label), "kind": editor_form.value_kind(op.key)} for op in conditions.OPERATORS
    ]
    return {
        "operators": operators,
        "fit_fields": editor_form.fit_fields(),
        "engagement_fields": editor_form.engagement_fields(),
        "property_fields": editor_form.PROPERTY_FIELDS,
        "field_labels": field_labels([*editor_form.fit_fields(), *editor_form.engagement_fields(), *FIELD_LABELS]),
        "event_types": EVENT_TYPE_CHOICES,
        "intents": INTENTS,
        "grades": GRADES,
        "cutoff_grades": GRADES[:-1],
        "qualification_kinds": [(k.key, str(k.label)) for k in QUALIFICATION_KINDS],
    }


def _template_rows() -> dict[str, Any]:
    """Empty rows the script clones (tokens are placeholders it replaces)."""
    fit = editor_form.RuleRow(token="__T__", kind=FIT)
    engagement = editor_form.RuleRow(token="__T__", kind=ENGAGEMENT)
    return {
        "fit": fit, "engagement": engagement,
        "fit_condition": editor_form.ConditionRow(token="__C__", op="eq"),
        "engagement_condition": editor_form.ConditionRow(token="__C__", op="eq"),
    }


def _editor_page(request, *, state: EditorState, model=None, errors=None, preview=None, status=200) -> HttpResponse:
    by_input, general = editor_form.errors_by_input(errors or {}, state)
    editor_form.attach_errors(state, by_input)
    context = _tab(
        "models", model=model, state=state, errors=by_input, general_errors=general, has_errors=bool(errors),
        preview=preview, blank=_template_rows(),
        recent_runs=editor_selectors.rescore_runs_recent(model) if model else [],
        **_choices(),
    )
    return render(request, "scoring/editor.html", context, status=status)


def _preview(state: EditorState) -> dict[str, Any]:
    counts = selectors.scoring_model_preview(key=state.key, spec_dict=editor_form.spec_from_state(state))
    before, after = counts["grades_before"], counts["grades_after"]
    return {**counts, "grade_rows": [(g, before.get(g, 0), after.get(g, 0)) for g in GRADES]}


def _handle_editor_post(request, *, state: EditorState, model=None) -> HttpResponse:
    action = request.POST.get("action", "save")
    if editor_form.apply_action(state, action):
        return _editor_page(request, state=state, model=model)
    if action == "preview":
        try:
            counts = _preview(state)
        except DomainError as exc:
            return _editor_page(request, state=state, model=model, errors=exc.fields or {"__all__": [exc.message]}, status=422)
        return _editor_page(request, state=state, model=model, preview=counts)
    if model is None and (problem := _new_key_problem(state.key)):
        return _editor_page(request, state=state, errors={"key": [problem]}, status=422)
    before = model.current_version_id if model else None
    try:
        version = services.scoring_model_save(
            key=state.key, spec_dict=editor_form.spec_from_state(state), note=state.note, user=request.user
        )
    except DomainError as exc:
        return _editor_page(request, state=state, model=model, errors=exc.fields or {"__all__": [exc.message]}, status=422)
    if version.pk == before:
        messages.info(request, _("Nothing changed: these are the rules the model already has."))
        return redirect("scoring:edit", key=state.key)
    run = rescore.rescore_start(model_key=state.key, user=request.user)
    messages.success(request, _("Saved as version %(number)s. Re-scoring every contact now.") % {"number": format_number(version.number)})
    return redirect("scoring:rescore", run_id=run.pk)


def _new_key_problem(key: str) -> str | None:
    if key in RESERVED_KEYS:
        return _("This key is reserved; choose another.")
    if key and editor_selectors.scoring_model_exists(key):
        return _("A model with this key already exists.")
    return None


@require("scoring.manage")
def model_edit(request: HttpRequest, key: str) -> HttpResponse:
    model = _found(editor_selectors.scoring_model_get, key)
    if request.method == "POST":
        return _handle_editor_post(request, state=editor_form.state_from_post(dict(request.POST.lists()), key=model.key), model=model)
    spec = model.current_version.spec if model.current_version else {"key": model.key, "name": model.name}
    return _editor_page(request, state=editor_form.state_from_spec(spec, key=model.key), model=model)


@require("scoring.manage")
def model_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _handle_editor_post(request, state=editor_form.state_from_post(dict(request.POST.lists())))
    source = request.GET.get("from", "")
    if source:
        model = _found(editor_selectors.scoring_model_get, source)
        if model.current_version is None:
            raise Http404(_("This model has no rules yet."))
        state = editor_form.state_from_spec(model.current_version.spec, key="")
        state.name = _("Copy of %(name)s") % {"name": _(model.name)}
    else:
        state = EditorState()
    return _editor_page(request, state=state)


@require_POST
@require("scoring.manage")
def model_preview(request: HttpRequest) -> HttpResponse:
    """The impact preview as a fragment, for the editor's script (the form posts here)."""
    state = editor_form.state_from_post(dict(request.POST.lists()))
    try:
        counts = _preview(state)
    except DomainError as exc:
        return render(request, "scoring/_preview.html", {"preview_errors": exc.fields or {"__all__": [exc.message]}}, status=422)
    return render(request, "scoring/_preview.html", {"preview": counts})


# ---------------------------------------------------------------- versions


def _condition_text(condition: dict[str, Any]) -> dict[str, Any]:
    op = condition.get("op", "")
    label = str(conditions.OPERATORS.get(op).label) if op in conditions.OPERATORS else op
    value = condition.get("value")
    shown = ", ".join(str(v) for v in value) if isinstance(value, list | tuple) else ("" if value is None else str(value))
    key = condition.get("field", "")
    return {"field": key, "field_label": field_label(key), "op": label, "value": shown}


def _readable(spec: dict[str, Any]) -> dict[str, Any]:
    def rules(name: str) -> list[dict[str, Any]]:
        return [{**r, "label": _(r.get("label", "")), "conditions_text": [_condition_text(c) for c in r.get("conditions") or []]}
                for r in spec.get(name) or []]

    return {**spec, "fit_rules": rules("fit_rules"), "engagement_rules": rules("engagement_rules")}


@require("scoring.view")
def model_versions(request: HttpRequest, key: str) -> HttpResponse:
    model = _found(editor_selectors.scoring_model_get, key)
    context = _tab(
        "models", model=model, versions=editor_selectors.scoring_model_versions(model),
        can_manage=can(request.user, "scoring.manage"),
    )
    return render(request, "scoring/versions.html", context)


@require("scoring.view")
def model_version(request: HttpRequest, key: str, number: int) -> HttpResponse:
    model = _found(editor_selectors.scoring_model_get, key)
    version = _found(editor_selectors.scoring_model_version, model, number)
    if request.method == "POST":
        ensure(request, "scoring.manage")
        return _restore(request, model, version)
    spec = _readable(version.spec)
    context = _tab(
        "models", model=model, version=version, spec=spec, is_current=version.pk == model.current_version_id,
        can_manage=can(request.user, "scoring.manage"), bar=services.bar_text(services.version_spec(version)),
    )
    return render(request, "scoring/version.html", context)


def _restore(request, model, version) -> HttpResponse:
    """Saves an old version's rules as the newest version, then re-scores."""
    note = _("Restored version %(number)s") % {"number": version.number}
    try:
        saved = services.scoring_model_save(key=model.key, spec_dict=version.spec, note=note, user=request.user)
    except DomainError as exc:  # rules stored by an older engine that no longer validate
        messages.error(request, " ".join(m for msgs in (exc.fields or {"": [exc.message]}).values() for m in msgs))
        return redirect("scoring:version", key=model.key, number=version.number)
    if saved.pk == model.current_version_id:
        messages.info(request, _("Nothing changed: these are the rules the model already has."))
        return redirect("scoring:versions", key=model.key)
    run = rescore.rescore_start(model_key=model.key, user=request.user)
    messages.success(request, _("Version %(old)s restored as version %(new)s. Re-scoring every contact now.") % {
        "old": format_number(version.number), "new": format_number(saved.number),
    })
    return redirect("scoring:rescore", run_id=run.pk)


# ---------------------------------------------------------------- re-score progress


@require("scoring.view")
def rescore_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = _found(editor_selectors.rescore_run_get, run_id)
    context = _tab("models", run=run, running=run.status in (RescoreRun.QUEUED, RescoreRun.RUNNING), model_name=_(run.model.name))
    if is_htmx(request) or request.GET.get("fragment"):
        return render(request, "scoring/_rescore_progress.html", context)
    return render(request, "scoring/rescore.html", context)


# ---------------------------------------------------------------- distribution


def _bucket_count(text: str) -> int:
    return int(text) if text.isdigit() and 1 <= int(text) <= distribution.MAX_BUCKETS else distribution.DEFAULT_BUCKETS


@require("scoring.view")
def score_distribution(request: HttpRequest) -> HttpResponse:
    models = editor_selectors.scoring_models_overview()
    chosen = request.GET.get("model", "")
    if chosen and not any(m["key"] == chosen for m in models):
        raise Http404(_("Scoring model not found."))
    try:
        data = distribution.score_distribution(model=chosen or None, buckets=_bucket_count(request.GET.get("buckets", "")))
    except NotFound:
        data = None
    context = _tab("distribution", models=models, data=data)
    if data is not None:
        bars = data["bars"]
        context |= {
            "score_chart": charts.histogram(data["score"]["buckets"], bar=bars["score"]),
            "engagement_chart": charts.histogram(data["engagement"]["buckets"], bar=bars["engagement"]),
            "grade_chart": charts.grade_histogram(data["grades"], GRADES, min_grade=bars["grade"]),
            "bar": services.bar_text(services.version_spec(editor_selectors.scoring_model_get(data["model"]).current_version)),
        }
    return render(request, "scoring/distribution.html", context)
