"""Fit: each fit rule whose conditions all hold for the person gives its points once."""

from __future__ import annotations

from sarnakh.scoring.engine.facts import PersonFacts
from sarnakh.scoring.engine.result import BreakdownItem, cents
from sarnakh.scoring.engine.spec import ModelSpec


def score_fit(model: ModelSpec, person: PersonFacts) -> list[BreakdownItem]:
    items = []
    for rule in model.fit_rules:
        if not all(condition.holds(person) for condition in rule.conditions):
            continue
        points = cents(rule.points)
        fields = ",".join(dict.fromkeys(c.field for c in rule.conditions))
        items.append(BreakdownItem(rule.key, rule.label, "fit", points, points, f"property:{fields}"))
    return items
