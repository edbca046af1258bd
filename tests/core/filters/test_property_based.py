"""Property-based (hypothesis): random trees of random conditions, with random text
(LIKE wildcards and backslashes included) and numbers, match the same contacts in SQL as
in Python, at random moments, over the seeded random world."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sarnakh.core.filters.compile import evaluate, load_facts, matching_contacts, parse_filter
from tests.core.filters.test_sql_equals_python import CONDITIONS
from tests.core.filters.world import NOW, build

TEXT_FIELDS = ("first_name", "last_name", "job_title", "city", "email", "utm_campaign", "company_name",
               "property:tier", "property:size", "company_property:tier", "last_touch_utm_campaign")
NUMBER_FIELDS = ("property:size", "property:tier", "company_property:size", "fit", "engagement", "score")
DATE_FIELDS = ("created_at", "updated_at", "consent_at", "stage_reached:mql", "stage_reached:lead")

words = st.text(alphabet="abtAB%_\\. -مدی5", min_size=1, max_size=4).filter(lambda t: t.strip())
numbers = st.one_of(st.integers(-5, 100), st.sampled_from([3.5, 7.5, 12.25, 25.5, -2.0]))
days = st.integers(0, 120)


def _condition(field, op, value=None):
    data = {"field": field, "op": op}
    if value is not None:
        data["value"] = value
    return data


text_conditions = st.one_of(
    st.builds(_condition, st.sampled_from(TEXT_FIELDS), st.sampled_from(("eq", "ne", "contains")), words),
    st.builds(_condition, st.sampled_from(TEXT_FIELDS), st.sampled_from(("in", "not_in", "starts_with")),
              st.lists(words, min_size=1, max_size=3)),
)
number_conditions = st.one_of(
    st.builds(_condition, st.sampled_from(NUMBER_FIELDS), st.sampled_from(("eq", "ne", "gt", "lt", "gte", "lte")), numbers),
    st.builds(lambda f, a, b: _condition(f, "between", sorted([a, b])), st.sampled_from(NUMBER_FIELDS), numbers, numbers),
)
date_conditions = st.builds(
    _condition, st.sampled_from(DATE_FIELDS), st.sampled_from(("in_last_days", "more_than_days_ago", "in_next_days")), days)
behaviour_conditions = st.builds(
    lambda field, op, times, window, path: _condition(field, op, {
        "times": times, **({"days": window} if window is not None else {}),
        **({"path": path} if path and field == "page_views" else {}),
        **({"name": "signup"} if field == "custom_event" else {})}),
    st.sampled_from(("page_views", "custom_event", "form_submitted")), st.sampled_from(("at_least", "fewer_than")),
    st.integers(0, 4), st.one_of(st.none(), days), st.sampled_from((None, "/pricing*", "/*/*", "/?ocs*", "*a")),
)
conditions = st.one_of(st.sampled_from([_condition(*c) for c in CONDITIONS]), text_conditions,
                       number_conditions, date_conditions, behaviour_conditions)
trees = st.recursive(
    conditions,
    lambda children: st.builds(lambda match, negate, items: {"match": match, "not": negate, "conditions": items},
                               st.sampled_from(("all", "any")), st.booleans(), st.lists(children, max_size=4)),
    max_leaves=12,
).map(lambda node: node if "conditions" in node and "match" in node else {"match": "all", "conditions": [node]})
moments = st.sampled_from([NOW, NOW - dt.timedelta(days=15), NOW + dt.timedelta(days=1, microseconds=1)])


def test_sql_and_python_agree_on_random_trees(db):
    # One world for every example (built once: hypothesis runs the inner test many times).
    ids = build(seed=11, contacts=50, lists=True)
    facts = load_facts(ids)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(tree=trees, now=moments)
    def agree(tree, now):
        parsed = parse_filter(tree)
        in_sql = set(matching_contacts(parsed, now=now).filter(pk__in=ids).values_list("pk", flat=True))
        in_python = {cid for cid in ids if evaluate(parsed, facts[cid], now=now)}
        assert in_sql == in_python

    agree()
