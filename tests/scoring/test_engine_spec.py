"""Model specs: JSON round trips, and validation that names every problem by its path."""

from __future__ import annotations

import json

import pytest

from sarnakh.core.errors import ValidationFailed
from sarnakh.scoring.engine import (
    Condition,
    EngagementRule,
    FitRule,
    ModelSpec,
    PeriodCap,
    Qualification,
    SpecError,
    default_model,
    default_model_dict,
)


def small_model(**overrides) -> dict:
    data = {
        "key": "product-a",
        "name": "Product A",
        "fit_rules": [
            {"key": "title", "label": "Title", "points": 20,
             "conditions": [{"field": "job_title", "op": "contains_any", "value": ["manager", "مدیر"]}]},
        ],
        "engagement_rules": [
            {"key": "pricing", "label": "Pricing", "event_type": "page_view", "points": 15, "intent": "high",
             "conditions": [{"field": "path", "op": "path_matches", "value": "/pricing*"}],
             "max_per_day": 2, "max_total": 10, "max_points_per_period": {"points": 30, "days": 7},
             "half_life_days": 14},
            {"key": "demo", "label": "Demo", "event_type": "track", "event_name": "demo_requested",
             "points": 40.5, "intent": "high"},
        ],
        "half_life_days": 30,
        "grade_cutoffs": {"A": 60, "B": 40, "C": 20},
        "qualification": {"kind": "combined", "min_grade": "B", "min_engagement": 60, "min_combined": 95},
    }
    data.update(overrides)
    return data


def test_a_model_survives_json_and_back_unchanged():
    spec = ModelSpec.parse(small_model())
    stored = json.loads(json.dumps(spec.to_dict()))
    assert ModelSpec.from_dict(stored) == spec
    assert stored == ModelSpec.from_dict(stored).to_dict()
    assert spec.engagement_rules[0].max_points_per_period == PeriodCap(30, 7)
    assert spec.fit_rules[0].conditions[0] == Condition("job_title", "contains_any", ("manager", "مدیر"))


def test_the_default_model_is_valid_and_round_trips():
    spec = default_model()
    assert spec.validate() == {}
    assert ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
    assert ModelSpec.from_dict(default_model_dict()) == spec


def test_missing_optional_parts_take_their_defaults():
    spec = ModelSpec.from_dict({"key": "m", "name": "M"})
    assert spec.half_life_days == 30.0
    assert spec.grade_cutoffs == {"A": 60, "B": 40, "C": 20}
    assert spec.qualification == Qualification("grade_and_engagement", "B", 60, 95)
    assert spec.validate() == {}
    rule = EngagementRule.from_dict({"key": "r", "label": "R", "points": 1})
    assert (rule.event_type, rule.event_name, rule.intent, rule.max_points_per_period) == ("any", None, "low", None)


def test_a_period_cap_may_be_written_as_a_pair():
    spec = ModelSpec.from_dict(small_model(engagement_rules=[
        {"key": "p", "label": "P", "points": 5, "max_points_per_period": [20, 1]}]))
    assert spec.engagement_rules[0].max_points_per_period == PeriodCap(20, 1)


def test_validation_names_each_problem_by_path():
    data = small_model()
    data["key"] = "Bad Key"
    data["half_life_days"] = -1
    data["fit_rules"].append({"key": "title", "label": "", "points": "ten", "conditions": []})
    data["fit_rules"].append({"key": "ok", "label": "Ok", "points": 1.234,
                              "conditions": [{"field": "shoe_size", "op": "eq", "value": 1},
                                             {"field": "email", "op": "looks_like", "value": 1},
                                             {"field": "job_title", "op": "matches", "value": "(oops"}]})
    rule = data["engagement_rules"][0]
    rule.update(event_type="click", intent="medium", max_per_day=0, max_total=2.5, half_life_days=-3,
                max_points_per_period={"points": 0, "days": 0})
    data["engagement_rules"][1].update(points=10_001)
    data["engagement_rules"].append({"key": "pv", "label": "PV", "event_type": "page_view",
                                     "event_name": "x", "points": 1,
                                     "conditions": [{"field": "company.industry", "op": "eq", "value": "x"}]})
    data["grade_cutoffs"] = {"A": 10, "B": 20, "C": 5}
    data["qualification"] = {"kind": "vibes", "min_grade": "E", "min_engagement": None, "min_combined": 95}

    errors = ModelSpec.from_dict(data).validate()

    assert set(errors) == {
        "key",
        "half_life_days",
        "fit_rules.1.key",
        "fit_rules.1.label",
        "fit_rules.1.points",
        "fit_rules.1.conditions",
        "fit_rules.2.points",
        "fit_rules.2.conditions.0.field",
        "fit_rules.2.conditions.1.op",
        "fit_rules.2.conditions.2.value",
        "engagement_rules.0.event_type",
        "engagement_rules.0.intent",
        "engagement_rules.0.max_per_day",
        "engagement_rules.0.max_total",
        "engagement_rules.0.half_life_days",
        "engagement_rules.0.max_points_per_period.points",
        "engagement_rules.0.max_points_per_period.days",
        "engagement_rules.1.points",
        "engagement_rules.2.event_name",
        "engagement_rules.2.conditions.0.field",
        "grade_cutoffs",
        "qualification.kind",
        "qualification.min_grade",
        "qualification.min_engagement",
    }
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)


@pytest.mark.parametrize(
    ("cutoffs", "path"),
    [
        ({"A": 60, "B": 40}, "grade_cutoffs.C"),
        ({"A": 60, "B": 40, "C": 20, "D": 0}, "grade_cutoffs"),
        ({"A": 40, "B": 40, "C": 20}, "grade_cutoffs"),
        ({"A": 60, "B": True, "C": 20}, "grade_cutoffs.B"),
    ],
)
def test_grade_cutoffs_must_be_three_numbers_falling_from_a_to_c(cutoffs, path):
    assert path in ModelSpec.from_dict(small_model(grade_cutoffs=cutoffs)).validate()


@pytest.mark.parametrize(
    ("field", "ok"),
    [
        ("email", True), ("job_title", True), ("country", True), ("tags", True),
        ("company.industry", True), ("company.employee_band", True), ("company.country", True),
        ("company.properties.tier", True), ("properties.source_form", True),
        ("bant.budget", True), ("bant.timeline", True),
        ("bant.mood", False), ("company", False), ("company.owner", False), ("properties", False),
        ("email.domain", False), ("password", False),
    ],
)
def test_fit_rules_may_read_person_and_company_facts_only(field, ok):
    rule = FitRule("r", "R", (Condition(field, "is_set"),), 1)
    assert ("fit_rules.0.conditions.0.field" not in ModelSpec("m", "M", fit_rules=(rule,)).validate()) is ok


@pytest.mark.parametrize(
    ("field", "ok"),
    [("path", True), ("url", True), ("label", True), ("title", True), ("name", True),
     ("properties.plan", True), ("job_title", False), ("properties", False), ("at", False)],
)
def test_engagement_rules_may_read_event_facts_only(field, ok):
    rule = EngagementRule("r", "R", conditions=(Condition(field, "is_set"),), points=1)
    assert ("engagement_rules.0.conditions.0.field" not in ModelSpec("m", "M", engagement_rules=(rule,)).validate()) is ok


def test_rule_keys_are_unique_across_both_dimensions():
    data = small_model()
    data["engagement_rules"][1]["key"] = "title"
    assert "engagement_rules.1.key" in ModelSpec.from_dict(data).validate()


def test_parse_raises_a_validation_error_carrying_the_fields():
    with pytest.raises(SpecError) as caught:
        ModelSpec.parse(small_model(name=""))
    assert isinstance(caught.value, ValidationFailed)
    assert caught.value.code == "validation_error"
    assert set(caught.value.fields) == {"name"}


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ([], "__all__"),
        ({"key": "m", "name": "M", "fit_rules": {"a": 1}}, "fit_rules"),
        ({"key": "m", "name": "M", "engagement_rules": ["pricing"]}, "engagement_rules.0"),
        ({"key": "m", "name": "M", "fit_rules": [{"key": "r", "conditions": ["x"]}]}, "fit_rules.0.conditions.0"),
        ({"key": "m", "name": "M", "engagement_rules": [{"max_points_per_period": 5}]}, "engagement_rules.0.max_points_per_period"),
        ({"key": "m", "name": "M", "grade_cutoffs": [60, 40, 20]}, "grade_cutoffs"),
        ({"key": "m", "name": "M", "qualification": "combined"}, "qualification"),
    ],
)
def test_shapes_that_cannot_be_read_are_refused_by_path(data, path):
    with pytest.raises(SpecError) as caught:
        ModelSpec.from_dict(data)
    assert list(caught.value.fields) == [path]
