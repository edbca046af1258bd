"""The editor's form as pure functions: stored rules → rows → POST → spec, row actions,
typed text kept, and engine error paths mapped to the inputs that caused them."""

from __future__ import annotations

from sarnakh.scoring.editor import form as editor_form
from sarnakh.scoring.engine import ModelSpec, default_model_dict
from sarnakh.scoring.engine.spec import SpecError


def post_of(state: editor_form.EditorState) -> dict[str, list[str]]:
    """What a browser posts for these rows (the template's input names)."""
    data: dict[str, list[str]] = {
        "key": [state.key], "name": [state.name], "half_life_days": [state.half_life_days],
        "q_kind": [state.q_kind], "q_min_grade": [state.q_min_grade],
        "q_min_engagement": [state.q_min_engagement], "q_min_combined": [state.q_min_combined], "note": [state.note],
        **{f"cutoff_{g}": [v] for g, v in state.cutoffs.items()},
    }
    for row in state.all_rules():
        data.setdefault(f"{row.kind}_rule", []).append(row.token)
        names = ["key", "label", "points"]
        if row.kind == editor_form.ENGAGEMENT:
            names += ["event_type", "event_name", "intent", "max_per_day", "max_total", "cap_points", "cap_days", "half_life_days"]
        for name in names:
            data[f"{row.token}-{name}"] = [getattr(row, name)]
        for c in row.conditions:
            data.setdefault(f"{row.token}-cond", []).append(c.token)
            data |= {f"{c.token}-field": [c.field], f"{c.token}-prop": [c.prop], f"{c.token}-op": [c.op], f"{c.token}-value": [c.value]}
    return data


def test_the_default_model_goes_through_the_form_unchanged():
    # given the shipped rules
    stored = ModelSpec.parse(default_model_dict()).to_dict()
    # when shown in the editor and posted back as they are
    state = editor_form.state_from_spec(stored)
    spec = editor_form.spec_from_post(post_of(state))
    # then the engine reads the very same model
    assert ModelSpec.parse(spec).to_dict() == stored


def test_typed_values_become_numbers_lists_and_property_fields():
    # given a browser post of one fit and one engagement rule
    post = {
        "key": ["m1"], "name": ["Product A"], "half_life_days": ["۱۴"], "cutoff_A": ["50"], "cutoff_B": ["30.5"], "cutoff_C": ["10"],
        "q_kind": ["combined"], "q_min_grade": ["B"], "q_min_engagement": ["60"], "q_min_combined": ["1,000"],
        "fit_rule": ["f0"], "f0-key": ["industry"], "f0-label": [" Software company "], "f0-points": ["12"],
        "f0-cond": ["f0c0", "f0c1"],
        "f0c0-field": ["company.properties."], "f0c0-prop": ["segment"], "f0c0-op": ["in"], "f0c0-value": ["saas, fintech،  ai"],
        "f0c1-field": ["company.employee_band"], "f0c1-op": ["gte"], "f0c1-value": ["11-50"],
        "engagement_rule": ["e4"], "e4-key": ["webinar"], "e4-label": ["Webinar"], "e4-points": ["-2.5"],
        "e4-event_type": ["track"], "e4-event_name": ["webinar_joined"], "e4-intent": ["high"],
        "e4-max_per_day": ["2"], "e4-max_total": [""], "e4-cap_points": ["20"], "e4-cap_days": ["7"], "e4-half_life_days": ["0"],
        "e4-cond": ["e4c0"], "e4c0-field": ["properties."], "e4c0-prop": ["plan"], "e4c0-op": ["is_set"], "e4c0-value": ["ignored"],
    }
    # when turned into a spec
    spec = editor_form.spec_from_post(post)
    # then numbers are numbers, lists are split on Latin and Persian commas, property keys are joined
    assert spec["half_life_days"] == 14 and spec["grade_cutoffs"] == {"A": 50, "B": 30.5, "C": 10}
    assert spec["qualification"] == {"kind": "combined", "min_grade": "B", "min_engagement": 60, "min_combined": 1000}
    [fit] = spec["fit_rules"]
    assert fit["label"] == "Software company" and fit["points"] == 12
    assert fit["conditions"] == [
        {"field": "company.properties.segment", "op": "in", "value": ["saas", "fintech", "ai"]},
        {"field": "company.employee_band", "op": "gte", "value": "11-50"},
    ]
    [engagement] = spec["engagement_rules"]
    assert engagement["points"] == -2.5 and engagement["max_per_day"] == 2 and engagement["max_total"] is None
    assert engagement["max_points_per_period"] == {"points": 20, "days": 7} and engagement["half_life_days"] == 0
    assert engagement["conditions"] == [{"field": "properties.plan", "op": "is_set", "value": None}]
    assert ModelSpec.parse(spec).engagement_rules[0].event_name == "webinar_joined"


def test_rules_keep_the_order_of_their_tokens_not_their_numbers():
    post = {"key": ["m"], "name": ["M"], "fit_rule": ["f7", "f2"], "f7-key": ["second_made"], "f2-key": ["first_made"]}
    assert [r["key"] for r in editor_form.spec_from_post(post)["fit_rules"]] == ["second_made", "first_made"]


def test_text_that_is_not_a_number_reaches_the_engine_as_typed_and_is_refused_by_path():
    # given points typed as "12x" on the second engagement rule
    state = editor_form.state_from_spec(default_model_dict())
    state.engagement_rules[1].points = "12x"
    spec = editor_form.spec_from_state(state)
    assert spec["engagement_rules"][1]["points"] == "12x"
    # when the engine validates it
    try:
        ModelSpec.parse(spec)
    except SpecError as exc:
        errors = exc.fields
    else:  # pragma: no cover
        raise AssertionError("expected a SpecError")
    # then the error lands on that row's points input, and the row keeps "12x"
    by_input, general = editor_form.errors_by_input(errors, state)
    token = state.engagement_rules[1].token
    assert list(by_input) == [f"{token}-points"] and general == []
    editor_form.attach_errors(state, by_input)
    assert state.engagement_rules[1].errors["points"] and state.engagement_rules[1].has_errors
    assert state.engagement_rules[1].points == "12x" and not state.engagement_rules[0].has_errors


def test_error_paths_map_to_condition_cap_cutoff_and_model_inputs():
    state = editor_form.state_from_spec(default_model_dict())
    rule = state.fit_rules[0]
    engagement = state.engagement_rules[2]
    errors = {
        "fit_rules.0.conditions.0.value": ["bad value"],
        "engagement_rules.2.max_points_per_period.days": ["bad days"],
        "grade_cutoffs.B": ["bad B"], "grade_cutoffs": ["A > B > C"], "qualification.min_engagement": ["bad"],
        "name": ["needed"], "fit_rules.99.points": ["gone row"], "__all__": ["general"],
    }
    by_input, general = editor_form.errors_by_input(errors, state)
    assert by_input == {
        f"{rule.conditions[0].token}-value": ["bad value"], f"{engagement.token}-cap_days": ["bad days"],
        "cutoff_B": ["bad B"], "cutoffs": ["A > B > C"], "q_min_engagement": ["bad"], "name": ["needed"],
    }
    assert general == ["gone row", "general"]
    editor_form.attach_errors(state, by_input)
    assert rule.conditions[0].errors == {"value": ["bad value"]} and rule.has_errors and not rule.errors


def test_row_actions_add_remove_move_rules_and_conditions():
    state = editor_form.state_from_spec({"key": "m", "name": "M", "fit_rules": [
        {"key": "a", "label": "A", "points": 1, "conditions": [{"field": "country", "op": "eq", "value": "IR"}]},
        {"key": "b", "label": "B", "points": 1, "conditions": [{"field": "country", "op": "eq", "value": "DE"}]},
    ]})
    assert editor_form.apply_action(state, "down:f0") and [r.key for r in state.fit_rules] == ["b", "a"]
    assert editor_form.apply_action(state, "up:f0") and [r.key for r in state.fit_rules] == ["a", "b"]
    editor_form.apply_action(state, "add:engagement")
    [new] = state.engagement_rules
    assert new.token == "e0" and new.conditions == []  # an engagement rule's conditions are optional
    editor_form.apply_action(state, "add:fit")
    assert state.fit_rules[-1].token == "f2" and len(state.fit_rules[-1].conditions) == 1  # a fit rule needs one
    editor_form.apply_action(state, "add_cond:f1")
    assert [c.token for c in state.fit_rules[1].conditions] == ["f1c0", "f1c1"]
    editor_form.apply_action(state, "remove_cond:f1c0")
    assert [c.token for c in state.fit_rules[1].conditions] == ["f1c1"]
    editor_form.apply_action(state, "remove:f0")
    assert [r.token for r in state.fit_rules] == ["f1", "f2"]
    assert not editor_form.apply_action(state, "save") and not editor_form.apply_action(state, "preview")
    assert editor_form.apply_action(state, "remove:nope")  # a stale button changes nothing


def test_the_builder_offers_facts_fields_and_reads_value_kinds_from_the_operator_registry():
    fields = editor_form.fit_fields()
    assert {"job_title", "email", "bant.budget", "company.employee_band", "company.industry"} <= set(fields)
    assert "path" in editor_form.engagement_fields() and "properties." in editor_form.PROPERTY_FIELDS["engagement"]
    assert [editor_form.value_kind(op) for op in ("in", "gte", "eq", "is_yes", "matches")] == ["list", "bound", "text", "none", "text"]


def test_parse_number_accepts_persian_digits_and_keeps_odd_text():
    assert editor_form.parse_number("۲٫۵") == 2.5
    assert editor_form.parse_number("") is None
    assert editor_form.parse_number(" 7 ") == 7
    assert editor_form.parse_number("abc") == "abc"
    assert editor_form.parse_number("nan") == "nan"
