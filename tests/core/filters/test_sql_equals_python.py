"""The compiled SQL and the Python evaluation agree on every row, for every field kind and
operator, alone and in random trees (seeded), on SQLite and PostgreSQL."""

from __future__ import annotations

import random

import pytest

from sarnakh.core.filters.compile import evaluate, load_facts, matching_contacts, parse_filter
from sarnakh.core.filters.fields import FIELDS
from tests.core.filters.world import NOW, build

CONDITIONS = [
    # contact text fields
    ("first_name", "eq", "alpha"), ("first_name", "ne", "ALPHA"), ("last_name", "in", ["beta", "مدیر"]),
    ("last_name", "not_in", ["gamma"]), ("job_title", "contains", "ta"), ("job_title", "starts_with", ["al", "فر"]),
    ("job_title", "is_set", None), ("job_title", "is_not_set", None), ("city", "eq", "TEHRAN"),
    ("email", "contains", "acme"), ("phone", "is_set", None), ("country", "in", ["ir"]), ("language", "ne", "fa"),
    ("utm_campaign", "starts_with", ["spring"]), ("utm_source", "is_not_set", None), ("utm_medium", "ne", "x"),
    ("utm_term", "is_set", None), ("utm_content", "eq", "x"),
    ("email_domain", "eq", "acme.example"), ("email_domain", "in", ["gmail.com", "c1.example"]),
    ("email_domain", "ne", "gmail.com"), ("email_domain", "not_in", ["acme.example"]),
    # choices
    ("lead_status", "eq", "new"), ("source_type", "ne", "inbound"), ("channel", "in", ["email", "direct"]),
    ("consent", "not_in", ["unsubscribed"]), ("consent", "eq", "unsubscribed"),
    # dates
    ("created_at", "in_last_days", 14), ("created_at", "more_than_days_ago", 90), ("updated_at", "in_next_days", 7),
    ("created_at", "gt", "2026-03-01"), ("created_at", "lt", "2026-03-15T12:00:00Z"),
    ("updated_at", "gte", "2026-03-15T12:00:00+00:00"), ("updated_at", "lte", "2026-02-13"),
    ("created_at", "between", ["2026-01-01", "2026-03-15T12:00:00Z"]), ("consent_at", "is_set", None),
    ("consent_at", "is_not_set", None), ("consent_at", "in_last_days", 30),
    # owner, stage, tags, stage history
    ("owner", "is_set", None), ("owner", "is_not_set", None), ("stage", "eq", "mql"), ("stage", "in", ["lead", "sql"]),
    ("stage", "ne", "customer"), ("stage", "not_in", ["lead"]),
    ("tags", "in", ["vip", "کلیدی"]), ("tags", "not_in", ["partner"]), ("tags", "is_set", None), ("tags", "is_not_set", None),
    ("stage_reached:mql", "in_last_days", 30), ("stage_reached:customer", "is_set", None),
    ("stage_reached:sql", "is_not_set", None), ("stage_reached:lead", "more_than_days_ago", 90),
    ("stage_reached:mql", "between", ["2026-02-01", "2026-03-20"]),
    # custom properties: text and numbers on the JSON value
    ("property:tier", "eq", "gold"), ("property:tier", "ne", "GOLD"), ("property:tier", "in", ["silver", "abc"]),
    ("property:tier", "contains", "l"), ("property:size", "starts_with", ["1"]), ("property:plan", "is_set", None),
    ("property:plan", "is_not_set", None), ("property:size", "gt", 5), ("property:size", "lt", 0),
    ("property:size", "gte", 7.5), ("property:size", "lte", 12), ("property:tier", "between", [0, 10]),
    ("property:size", "eq", 12), ("property:size", "ne", 12), ("property:size", "in", [5, 3.5]),
    ("property:size", "not_in", [12, 0]), ("property:tier", "eq", "12"), ("property:tier", "not_in", ["gold", "12"]),
    # date properties (days kept as ISO text)
    ("property_date:since", "in_last_days", 14), ("property_date:since", "more_than_days_ago", 90),
    ("property_date:since", "in_next_days", 7), ("property_date:since", "gt", "2026-03-01"),
    ("property_date:since", "gte", "2026-03-15T12:00:00Z"), ("property_date:since", "lt", "2026-03-15"),
    ("property_date:since", "lte", "2026-03-15T12:00:00Z"), ("property_date:since", "between", ["2026-01-01", "2026-03-16"]),
    ("property_date:since", "is_set", None), ("property_date:since", "is_not_set", None),
    ("company_property_date:since", "in_next_days", 7), ("company_property_date:since", "lt", "2026-03-02T00:00:01Z"),
    # company
    ("company_name", "starts_with", ["acme"]), ("company_name", "ne", "globex2"), ("company_industry", "eq", "retail"),
    ("company_domain", "contains", "c1"), ("company_country", "is_not_set", None),
    ("company_employee_band", "gte", "51-200"), ("company_employee_band", "lte", "51-200"),
    ("company_employee_band", "in", ["1-10"]), ("company_employee_band", "ne", "1-10"),
    ("company_property:tier", "eq", "gold"), ("company_property:size", "gt", 4), ("company_property:tier", "is_not_set", None),
    # scores
    ("grade", "gte", "B"), ("grade", "lte", "C"), ("grade", "eq", "A"), ("grade", "ne", "D"), ("grade", "in", ["A", "D"]),
    ("grade", "not_in", ["A"]), ("grade", "is_set", None), ("grade", "is_not_set", None),
    ("fit", "gt", 25), ("fit", "gte", 25.5), ("engagement", "between", [5, 12.25]), ("score", "eq", 95),
    ("score", "ne", 0), ("score", "lt", 50), ("fit", "is_not_set", None), ("qualified", "eq", True),
    ("qualified", "eq", False), ("predictive_probability", "gte", 0.5), ("predictive_probability", "is_set", None),
    ("predictive_probability", "ne", 0.75),
    # behaviour
    ("page_views", "at_least", {"times": 2, "days": 14, "path": "/pricing*"}),
    ("page_views", "at_least", {"times": 1, "path": "/pricing"}),
    ("page_views", "fewer_than", {"times": 1, "days": 90}),
    ("page_views", "at_least", {"times": 3}), ("page_views", "at_least", {"times": 0, "days": 1}),
    ("page_views", "fewer_than", {"times": 0}), ("page_views", "at_least", {"times": 1, "days": 15, "path": "/?log/*"}),
    ("custom_event", "at_least", {"name": "signup", "days": 30}),
    ("custom_event", "at_least", {"name": "download", "times": 1, "property": {"key": "plan", "op": "eq", "value": "pro"}}),
    ("custom_event", "at_least", {"name": "signup", "property": {"key": "plan", "op": "gte", "value": 5}}),
    ("custom_event", "fewer_than", {"name": "SIGNUP", "times": 1, "days": 30}),
    ("form_submitted", "at_least", {"form": "demo"}), ("form_submitted", "at_least", {"times": 2, "days": 90}),
    ("form_submitted", "fewer_than", {"times": 1, "days": 15}),
    ("first_touch_channel", "eq", "email"), ("last_touch_channel", "in", ["direct", "social"]),
    ("first_touch_channel", "ne", "direct"), ("last_touch_channel", "not_in", ["email"]),
    ("last_touch_utm_campaign", "eq", "spring"), ("last_touch_utm_campaign", "is_not_set", None),
    # membership of other segments and lists (the world's two lists)
    ("segment", "in", [9001]), ("segment", "in", [9001, 9002]), ("segment", "not_in", [9002]),
    ("segment", "not_in", [9001, 9002]),
    # list hygiene's address flags
    ("email_role_address", "eq", True), ("email_disposable", "eq", True), ("email_invalid", "eq", False),
    # email subscriptions: suppressed addresses (any reason, chosen reasons), topics left
    ("email_suppressed", "eq", True), ("email_suppressed", "eq", False),
    ("email_suppression_reason", "in", ["hard_bounce", "complaint"]), ("email_suppression_reason", "not_in", ["manual"]),
    ("topic_opted_out", "in", ["newsletter"]), ("topic_opted_out", "not_in", ["product-news", "nurture"]),
]


def _condition(field, op, value):
    data = {"field": field, "op": op}
    if value is not None:
        data["value"] = value
    return data


def _check(tree_json, ids, facts) -> int:
    tree = parse_filter(tree_json)
    in_sql = set(matching_contacts(tree, now=NOW).filter(pk__in=ids).values_list("pk", flat=True))
    in_python = {cid for cid in ids if evaluate(tree, facts[cid], now=NOW)}
    assert in_sql == in_python, tree_json
    return len(in_sql)


@pytest.fixture
def world(db):
    ids = build(lists=True)
    return ids, load_facts(ids)


def test_every_registered_field_is_covered():
    covered = {field.split(":")[0] for field, _op, _value in CONDITIONS}
    assert {spec.key for spec in FIELDS} <= covered


def test_each_condition_alone_and_negated(world):
    ids, facts = world
    trivial = []
    for field, op, value in CONDITIONS:
        condition = _condition(field, op, value)
        found = _check({"match": "all", "conditions": [condition]}, ids, facts)
        _check({"match": "any", "not": True, "conditions": [condition]}, ids, facts)
        if found in (0, len(ids)):
            trivial.append((field, op, value, found))
    # The world is rich enough that every condition splits it (else the test proves little),
    # but "at least 0 times" (everyone) and "fewer than 0 times" (no one).
    assert [(f, op, v) for f, op, v, _n in trivial if v not in ({"times": 0, "days": 1}, {"times": 0})] == []


def _random_group(rng: random.Random, depth: int) -> dict:
    children = []
    for _ in range(rng.randint(0, 4)):
        if depth < 4 and rng.random() < 0.3:
            children.append(_random_group(rng, depth + 1))
        else:
            children.append(_condition(*rng.choice(CONDITIONS)))
    return {"match": rng.choice(("all", "any")), "not": rng.random() < 0.3, "conditions": children}


def test_random_trees(world):
    ids, facts = world
    rng = random.Random(2026)
    for _ in range(150):
        _check(_random_group(rng, 1), ids, facts)


def test_merged_contacts_never_match(world):
    from sarnakh.contacts.models import Contact

    ids, _facts = world
    Contact.objects.filter(pk=ids[0]).update(merged_into_id=ids[1])
    everyone = set(matching_contacts({"match": "all", "conditions": []}, now=NOW).values_list("pk", flat=True))
    assert ids[0] not in everyone and ids[1] in everyone


def test_the_largest_allowed_filter_runs(world):
    """200 conditions (every kind, in nested groups 10 deep) compile to SQL both databases run."""
    ids, facts = world
    conditions = [_condition(*CONDITIONS[i % len(CONDITIONS)]) for i in range(200)]
    tree = {"match": "any", "conditions": conditions[:20]}
    for level in range(9):
        start = 20 + level * 20
        tree = {"match": "all" if level % 2 else "any", "not": level % 3 == 0,
                "conditions": [tree, *conditions[start:start + 20]]}
    _check(tree, ids, facts)


def test_limited_to_a_few_contacts_the_filter_decides_them_as_it_does_for_everyone(world):
    # given random trees over every kind of condition, and a few contacts (as a
    # re-evaluation after an event touches them)
    ids, facts = world
    rng = random.Random(1404)
    for _ in range(60):
        tree = _random_group(rng, 1)
        among = rng.sample(ids, k=rng.randint(1, 5))
        # when the filter is compiled for those contacts alone
        found = set(matching_contacts(tree, now=NOW, among=among).values_list("pk", flat=True))
        # then it finds exactly the ones the full query and the Python evaluation find among them
        assert found == set(matching_contacts(tree, now=NOW).filter(pk__in=among).values_list("pk", flat=True)), tree
        assert found == {cid for cid in among if evaluate(tree, facts[cid], now=NOW)}, tree


def test_the_largest_behaviour_filter_runs_for_a_chunk_of_500_contacts(world):
    # given 200 behaviour and score conditions, and a re-evaluation chunk of 500 ids
    ids, facts = world
    kinds = [c for c in CONDITIONS if c[0] in ("page_views", "custom_event", "form_submitted", "grade", "qualified")]
    tree = {"match": "any", "conditions": [_condition(*kinds[i % len(kinds)]) for i in range(200)]}
    among = [*ids, *range(max(ids) + 1, max(ids) + 1 + 500 - len(ids))]
    # when it is compiled for those contacts alone, then the database runs it (the ids are
    # not repeated per condition) and decides as Python does
    found = set(matching_contacts(tree, now=NOW, among=among).values_list("pk", flat=True))
    assert found == {cid for cid in ids if evaluate(tree, facts[cid], now=NOW)}
