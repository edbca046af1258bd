"""The pure half of the set-based re-score: which fields the database must list, and which
rules each listed value satisfies.

A condition reads exactly one field, so whether a rule holds for a row depends only on
the values of the fields its conditions read. The bulk re-score therefore asks the
database for each field's distinct values (as text keys, see below), decides every rule
here, once per distinct value, with the same operator code the engine uses, and sends
back one bit mask per value: bit i set when every condition of rule i on that field holds
(rules that do not read the field have their bit set). A row satisfies rule i when bit i
is set in the masks of all the fields it reads: a bitwise AND in SQL.

Keys: `v:` + the value as text, `n` for a missing value (SQL NULL); JSON values are their
JSON text; a page path is `p` + path, or `u` + URL when the event has no path (the engine
then reads the URL's path); tags are their names joined by U+001F.

Rules are taken in groups of at most 62, so masks fit a signed 64-bit integer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sarnakh.scoring.engine import conditions
from sarnakh.scoring.engine.spec import EngagementRule, FitRule, ModelSpec

GROUP_SIZE = 62
NULL_KEY = "n"
TAG_SEPARATOR = "\x1f"

Predicate = Callable[[Any], bool]


def decode_key(field: str, key: str | None) -> Any:
    """The fact the engine would see for `field`, from its text key."""
    if key is None or key == NULL_KEY:
        return None
    if field == "path":
        kind, text = key[:1], key[1:]
        return (urlsplit(text).path if text else "") if kind == "u" else text
    text = key[2:]
    if field.startswith(("properties.", "company.properties.", "bant.")):
        return json.loads(text)
    if field == "tags":
        return tuple(sorted(text.split(TAG_SEPARATOR))) if text else ()
    return text


def _condition_predicate(condition: Any) -> Predicate:
    prepared = conditions.prepare(condition.op, condition.value)
    return lambda value: conditions.holds(condition.op, prepared, value)


def _name_predicate(name: str) -> Predicate:
    wanted = name.casefold()
    return lambda value: isinstance(value, str) and value.casefold() == wanted


def _rule_predicates(rule: EngagementRule | FitRule) -> dict[str, list[Predicate]]:
    found: dict[str, list[Predicate]] = {}
    if isinstance(rule, EngagementRule) and rule.event_name is not None:
        found.setdefault("name", []).append(_name_predicate(rule.event_name))
    for condition in rule.conditions:
        found.setdefault(condition.field, []).append(_condition_predicate(condition))
    return found


@dataclass(frozen=True)
class RuleGroup:
    """Up to 62 rules of one dimension; `offset` is the first rule's position in the model."""

    offset: int
    rules: tuple[EngagementRule | FitRule, ...]

    @property
    def all_bits(self) -> int:
        return (1 << len(self.rules)) - 1

    def bit(self, index: int) -> int:
        return 1 << index

    @property
    def fields(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for rule in self.rules:
            for name in _rule_predicates(rule):
                seen[name] = None
        return tuple(seen)

    def masks(self, field: str, keys: Iterable[str | None]) -> dict[str | None, int]:
        """For each key, the bits of the rules whose conditions on `field` all hold."""
        checks = [(self.bit(i), _rule_predicates(rule).get(field, [])) for i, rule in enumerate(self.rules)]
        found = {}
        for key in keys:
            value = decode_key(field, key)
            mask = 0
            for bit, predicates in checks:
                if all(predicate(value) for predicate in predicates):
                    mask |= bit
            found[key] = mask
        return found

    def type_mask(self, event_type: str) -> int:
        """Bits of the engagement rules that take events of this type."""
        mask = 0
        for i, rule in enumerate(self.rules):
            if isinstance(rule, EngagementRule) and rule.event_type in ("any", event_type):
                mask |= self.bit(i)
        return mask


def groups(rules: Iterable[EngagementRule | FitRule]) -> list[RuleGroup]:
    ordered = tuple(rules)
    return [RuleGroup(start, ordered[start:start + GROUP_SIZE]) for start in range(0, len(ordered), GROUP_SIZE)]


def engagement_groups(spec: ModelSpec) -> list[RuleGroup]:
    return groups(spec.engagement_rules)


def fit_groups(spec: ModelSpec) -> list[RuleGroup]:
    return groups(spec.fit_rules)


def most_common(masks: dict[Any, int]) -> int:
    """The mask most keys share (stored implicitly, so only the others are sent to SQL)."""
    counts: dict[int, int] = {}
    for mask in masks.values():
        counts[mask] = counts.get(mask, 0) + 1
    return max(counts, key=lambda mask: counts[mask]) if counts else 0
