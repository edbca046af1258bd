"""The builder's form as pure functions: a stored filter → rows → the POST the page sends →
rows → the same filter (every value type, nested groups, a custom event's property
condition kept as it is), row actions, and FilterError paths → the row they name."""

from __future__ import annotations

import pytest

from sarnakh.core.filters.compile import FilterError, parse_filter
from sarnakh.segments.pages import builder

pytestmark = pytest.mark.django_db  # stage conditions are checked against the stages


def post_of(root: builder.GroupRow) -> dict[str, list[str]]:
    """What the page posts for these rows (the inputs the templates render)."""
    post: dict[str, list[str]] = {"node": [], "n0-match": [root.match], "n0-not": ["on"] if root.negate else []}

    def walk(group):
        for child in group.children:
            post["node"].append(child.token)
            post[f"{child.token}-parent"] = [group.token]
            if child.is_group:
                post[f"{child.token}-kind"] = ["group"]
                post[f"{child.token}-match"] = [child.match]
                post[f"{child.token}-not"] = ["on"] if child.negate else []
                walk(child)
            else:
                post[f"{child.token}-kind"] = ["cond"]
                for suffix in ("field", "key", "op", "value", "value2", "times", "days", "path", "name", "form", "extra"):
                    post[f"{child.token}-{suffix}"] = [getattr(child, suffix)]
                post[f"{child.token}-values"] = list(child.values)
    walk(root)
    return post


TREES = [
    {"match": "all", "conditions": [
        {"field": "stage", "op": "in", "value": ["lead", "mql"]},
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
        {"field": "grade", "op": "gte", "value": "B"},
        {"match": "all", "not": True, "conditions": [{"field": "stage", "op": "eq", "value": "customer"}]},
    ]},
    {"match": "any", "conditions": [
        {"field": "custom_event", "op": "at_least",
         "value": {"name": "webinar_joined", "times": 1, "days": 30, "property": {"key": "topic", "op": "eq", "value": "crm"}}},
        {"field": "form_submitted", "op": "fewer_than", "value": {"form": "contact-us", "times": 1}},
        {"field": "score", "op": "between", "value": [10, 20.5]},
        {"field": "created_at", "op": "between", "value": ["2026-01-01", "2026-02-01"]},
        {"field": "created_at", "op": "more_than_days_ago", "value": 90},
        {"field": "property:tier", "op": "in", "value": ["gold", "silver"]},
        {"field": "company_property:size", "op": "gte", "value": 50},
        {"field": "stage_reached:customer", "op": "is_set"},
        {"field": "tags", "op": "not_in", "value": ["vip"]},
        {"field": "qualified", "op": "eq", "value": False},
        {"field": "consent", "op": "in", "value": ["subscribed", "not_asked"]},
        {"field": "company_employee_band", "op": "gte", "value": "51-200"},
        {"field": "email_domain", "op": "in", "value": ["gmail.com", "yahoo.com"]},
        {"field": "owner", "op": "is_not_set"},
        {"match": "any", "conditions": [{"match": "all", "not": True, "conditions": [
            {"field": "last_touch_channel", "op": "eq", "value": "email"}]}]},
    ]},
]


def test_given_a_segment_condition_then_its_ids_round_trip_as_numbers():
    from sarnakh.segments import services

    other = services.segment_create(name="Guests", kind="static")
    tree = {"match": "all", "conditions": [{"field": "segment", "op": "not_in", "value": [other.pk]}]}
    root = builder.rows_from_filter(tree)

    assert builder.value_kind(root.children[0]) == "many"
    assert builder.filter_from_rows(builder.rows_from_post(post_of(root))) == tree


@pytest.mark.parametrize("tree", TREES)
def test_given_a_stored_filter_when_its_rows_are_posted_unchanged_then_the_filter_is_the_same(tree):
    parse_filter(tree)

    again = builder.filter_from_rows(builder.rows_from_post(post_of(builder.rows_from_filter(tree))))

    assert again == tree


def test_given_typed_numbers_in_persian_and_with_separators_then_they_become_numbers():
    assert [builder.parse_number(t) for t in ("۱۲", "1,000", "2٫5", "12x", "")] == [12, 1000, 2.5, "12x", None]


def test_given_a_node_whose_parent_is_unknown_or_too_deep_then_it_is_dropped():
    post = {"node": ["n1", "n2"], "n1-parent": ["n9"], "n1-kind": ["cond"], "n2-parent": ["n0"], "n2-kind": ["cond"],
            "n2-field": ["country"], "n2-op": ["eq"], "n2-value": ["IR"]}

    assert builder.filter_from_rows(builder.rows_from_post(post)) == {
        "match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}]}


def test_given_row_actions_then_they_add_conditions_and_groups_and_remove_nodes():
    root = builder.rows_from_filter(TREES[0])
    assert builder.apply_action(root, "add_group:n4")
    nested = root.children[3].children[-1]
    assert nested.is_group and nested.depth == 3 and nested.children[0].token == f"n{int(nested.token[1:]) + 1}"
    builder.apply_action(root, "remove:n2")
    assert [c.token for c in root.children] == ["n1", "n3", "n4"]
    assert not builder.apply_action(root, "save") and builder.apply_action(root, "remove:n99")


@pytest.mark.parametrize(("path", "token", "part"), [
    ("conditions[1].value.days", "n2", "days"),
    ("conditions[3].conditions[0].value", "n5", "value"),
    ("conditions[0].op", "n1", "op"),
    ("conditions[2].field", "n3", "field"),
])
def test_given_a_filter_error_path_then_the_message_goes_on_the_row_and_input_it_names(path, token, part):
    root = builder.rows_from_filter(TREES[0])

    assert builder.attach_error(root, path, "wrong")

    _parent, node = builder.find(root, token)
    assert node.errors == {part: ["wrong"]}


def test_given_a_bad_value_then_the_filter_language_s_path_lands_on_the_right_row():
    tree = {"match": "all", "conditions": [{"match": "any", "conditions": [
        {"field": "country", "op": "eq", "value": "IR"},
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": "x"}}]}]}
    root = builder.rows_from_filter(tree)
    with pytest.raises(FilterError) as error:
        parse_filter(builder.filter_from_rows(root))

    builder.attach_error(root, error.value.path, error.value.message)

    assert list(builder.find(root, "n3")[1].errors) == ["days"] and not builder.find(root, "n2")[1].errors
