"""Parsing and validating filter trees: JSON round trip, and bad input refused with an
error naming the node at fault (nothing is compiled from a tree that fails)."""

from __future__ import annotations

import pytest

from sarnakh.core.filters.compile import parse_filter
from sarnakh.core.filters.tree import MAX_CONDITIONS, FilterError, to_json

pytestmark = pytest.mark.django_db  # stage names are checked against the table


def cond(field="first_name", op="eq", value="x"):
    data = {"field": field, "op": op}
    if value is not None:
        data["value"] = value
    return data


def group(*conditions, match="all", negate=False):
    data = {"match": match, "conditions": list(conditions)}
    if negate:
        data["not"] = True
    return data


def error(data) -> FilterError:
    with pytest.raises(FilterError) as caught:
        parse_filter(data)
    return caught.value


def test_round_trip_keeps_the_json():
    data = group(
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
        {"field": "grade", "op": "gte", "value": "B"},
        group(cond("consent", "eq", "unsubscribed"), match="any", negate=True),
        {"field": "email", "op": "is_set"},
    )
    assert to_json(parse_filter(data)) == data


@pytest.mark.parametrize(("data", "path", "words"), [
    (group(cond(), cond(field="shoe_size")), "conditions[1].field", "Unknown field 'shoe_size'"),
    (group(cond(), group(cond(op="sounds_like"))), "conditions[1].conditions[0].op", "Unknown operator 'sounds_like'"),
    (group(cond(op="gt", value=3)), "conditions[0].op", "does not apply to 'first_name' (text)"),
    (group(cond("created_at", "in_last_days", "14")), "conditions[0].value", "whole number of days"),
    (group(cond("created_at", "in_last_days", -1)), "conditions[0].value", "from 0 to"),
    (group(cond("fit", "gt", "ten")), "conditions[0].value", "number"),
    (group(cond("fit", "between", [10, 5])), "conditions[0].value", "lowest value is above"),
    (group(cond("created_at", "gt", "yesterday")), "conditions[0].value", "YYYY-MM-DD"),
    (group(cond("consent", "eq", "maybe")), "conditions[0].value", "not one of the choices"),
    (group(cond("qualified", "eq", "yes")), "conditions[0].value", "true or false"),
    (group(cond("first_name", "in", "x")), "conditions[0].value", "list"),
    (group(cond("first_name", "is_set", "x")), "conditions[0].value", "takes no value"),
    (group(cond("grade", "gte", "E")), "conditions[0].value", "grades"),
    (group(cond("stage", "eq", "astronaut")), "conditions[0].value", "Unknown lifecycle stage 'astronaut'"),
    (group(cond("stage", "in", ["lead", "astronaut"])), "conditions[0].value[1]", "Unknown lifecycle stage"),
    (group(cond("property:Bad Key", "eq", "x")), "conditions[0].field", "Unknown field"),
    (group(cond("property", "eq", "x")), "conditions[0].field", "Unknown field"),
    (group(cond("stage_reached:astronaut", "is_set", None)), "conditions[0].field", "No lifecycle stage 'astronaut'"),
    (group(cond("page_views", "at_least", {"times": -1})), "conditions[0].value.times", "whole number"),
    (group(cond("page_views", "at_least", {"times": 2, "colour": "red"})), "conditions[0].value.colour", "Unknown key"),
    (group(cond("custom_event", "at_least", {"times": 2})), "conditions[0].value.name", "Enter some text"),
    (group(cond("custom_event", "at_least", {"name": "x", "property": {"key": "plan", "op": "like", "value": 1}})),
     "conditions[0].value.property.op", "Unknown operator 'like'"),
    (group(cond("custom_event", "at_least", {"name": "x", "property": {"key": "plan", "op": "gt", "value": "a"}})),
     "conditions[0].value.property.value", "number"),
    (group(cond(value="x" * 2001)), "conditions[0].value", "longer than 2000"),
    (group(cond(op="in", value=["x"] * 1001)), "conditions[0].value", "More than 1000 values"),
    ({"match": "some", "conditions": []}, "match", "\"all\" or \"any\""),
    ({"match": "all", "not": "yes", "conditions": []}, "not", "true or false"),
    ({"match": "all", "conditions": [cond()], "extra": 1}, "extra", "Unknown key"),
    (group("first_name"), "conditions[0]", "Expected a condition"),
    ([cond()], "", "Expected a group"),
])
def test_bad_input_names_the_node(data, path, words):
    caught = error(data)
    assert caught.path == path
    assert words in caught.message


def test_a_tree_fifty_levels_deep_is_refused_at_the_eleventh():
    data = cond()
    for _ in range(50):
        data = group(data)
    caught = error(data)
    assert caught.path == ".".join(["conditions[0]"] * 10)
    assert "more than 10 levels deep" in caught.message


def test_ten_levels_are_allowed():
    data = cond()
    for _ in range(10):
        data = group(data)
    parse_filter(data)


def test_a_thousand_conditions_are_refused():
    caught = error(group(*[cond()] * 1000))
    assert caught.path == "conditions"
    assert f"More than {MAX_CONDITIONS} conditions" in caught.message


def test_the_limit_counts_conditions_across_groups():
    data = group(*[group(*[cond()] * 50) for _ in range(5)])
    caught = error(data)
    assert caught.path == "conditions[4].conditions[0]"
    assert group(*[cond()] * MAX_CONDITIONS) and parse_filter(group(*[cond()] * MAX_CONDITIONS))


def test_errors_speak_the_request_language():
    from django.utils import translation

    data = cond()
    for _ in range(11):
        data = group(data)
    with translation.override("fa"):
        assert "سطح" in error(data).message
        assert "عملگر ناشناخته" in error(group(cond(op="sounds_like"))).message
