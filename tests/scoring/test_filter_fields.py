"""Scoring's filter fields read the default model's scores only; "at least B" follows the
grade order A > B > C > D; a contact with no score has no grade (only negatives hold)."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.core.filters.compile import matching_contacts
from sarnakh.scoring.models import ContactPrediction, ContactScore, PredictiveModel, ScoringModel

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def emails(field, op, value=None):
    condition = {"field": field, "op": op, **({"value": value} if value is not None else {})}
    return set(matching_contacts({"match": "all", "conditions": [condition]}, now=NOW).values_list("email", flat=True))


@pytest.fixture
def scored():
    default = ScoringModel.objects.get(is_default=True)
    other = ScoringModel.objects.create(key="other", name="Other", created_at=NOW, current_version=default.current_version)
    people = {}
    for email, grade, fit, qualified in (("a@x.io", "A", 80, True), ("b@x.io", "B", 50, False), ("c@x.io", "C", 20, False),
                                         ("d@x.io", "D", 0, False), ("none@x.io", None, None, None)):
        contact = Contact.objects.create(email=email, stage_id="lead", created_at=NOW, updated_at=NOW)
        people[email] = contact
        if grade:
            ContactScore.objects.create(contact=contact, model=default, version=default.current_version, grade=grade,
                                        fit=fit, engagement=10, score=fit + 10, qualified=qualified, computed_at=NOW)
        # The other model grades everyone A: it must never leak into the filters.
        ContactScore.objects.create(contact=contact, model=other, version=default.current_version, grade="A",
                                    fit=99, engagement=99, score=198, qualified=True, computed_at=NOW)
    return people


def test_grade_at_least_b_and_at_most_c(scored):
    assert emails("grade", "gte", "B") == {"a@x.io", "b@x.io"}
    assert emails("grade", "lte", "C") == {"c@x.io", "d@x.io"}
    assert emails("grade", "ne", "A") == {"b@x.io", "c@x.io", "d@x.io", "none@x.io"}
    assert emails("grade", "is_not_set") == {"none@x.io"}


def test_scores_and_mql_of_the_default_model(scored):
    assert emails("fit", "gte", 50) == {"a@x.io", "b@x.io"}
    assert emails("score", "between", [20, 60]) == {"b@x.io", "c@x.io"}
    assert emails("engagement", "is_not_set") == {"none@x.io"}
    assert emails("qualified", "eq", True) == {"a@x.io"}
    assert emails("qualified", "eq", False) == {"b@x.io", "c@x.io", "d@x.io"}


def test_predictive_probability_of_the_newest_model(scored):
    older, newer = (PredictiveModel.objects.create(created_at=NOW, status="done") for _ in range(2))
    a = scored["a@x.io"]
    ContactPrediction.objects.create(contact=a, model=older, probability=0.9, as_of=NOW, computed_at=NOW)
    ContactPrediction.objects.create(contact=a, model=newer, probability=0.2, as_of=NOW, computed_at=NOW)
    ContactPrediction.objects.create(contact=scored["b@x.io"], model=older, probability=0.6, as_of=NOW, computed_at=NOW)
    assert emails("predictive_probability", "gte", 0.5) == {"b@x.io"}
    assert emails("predictive_probability", "lt", 0.5) == {"a@x.io"}
