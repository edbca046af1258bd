"""A scoring model as frozen dataclasses that go to and from plain JSON (a JSONField, a
version row, an API body) unchanged: `ModelSpec.from_dict(spec.to_dict()) == spec`.

`from_dict` only refuses shapes it cannot read (a rule that is not an object…);
`validate()` reports every other problem by path, e.g. `engagement_rules.2.points`, in
the `fields` shape of the API's errors. `parse()` does both and raises SpecError.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _

from sarnakh.core.errors import ValidationFailed
from sarnakh.scoring.engine import conditions
from sarnakh.scoring.engine.facts import event_field_error, person_field_error
from sarnakh.scoring.engine.qualification import GRADES, QUALIFICATION_KINDS

EVENT_TYPE_CHOICES = ("page_view", "track", "any")
INTENTS = ("high", "low")
MAX_POINTS = 10_000
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

Errors = dict[str, list[str]]


class SpecError(ValidationFailed):
    def __init__(self, fields: Errors):
        super().__init__(_("The scoring model is not valid."), fields=fields)


def _tuple(value: Any) -> Any:
    return tuple(_tuple(v) for v in value) if isinstance(value, list | tuple) else value


def _jsonable(value: Any) -> Any:
    return [_jsonable(v) for v in value] if isinstance(value, tuple | list) else value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _points_error(value: Any) -> str | None:
    if not _number(value) or abs(value) > MAX_POINTS:
        return _("Enter a number between -%(max)s and %(max)s.") % {"max": MAX_POINTS}
    if Decimal(str(value)) != Decimal(str(value)).quantize(Decimal("0.01")):
        return _("Use at most two decimal places.")
    return None


def _mapping(data: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise SpecError({path or "__all__": [_("Expected an object.")]})
    return data


def _items(data: Mapping[str, Any], name: str, path: str) -> list:
    value = data.get(name) or []
    if not isinstance(value, list | tuple):
        raise SpecError({f"{path}{name}": [_("Expected a list.")]})
    return list(value)


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None

    @classmethod
    def from_dict(cls, data: Any, path: str = "") -> Condition:
        data = _mapping(data, path)
        return cls(field=data.get("field", ""), op=data.get("op", ""), value=_tuple(data.get("value")))

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "op": self.op, "value": _jsonable(self.value)}

    @cached_property
    def prepared(self) -> Any:
        return conditions.prepare(self.op, self.value)

    def holds(self, facts: Any) -> bool:
        return conditions.holds(self.op, self.prepared, facts.get(self.field))

    def errors(self, path: str, field_error: Any) -> Errors:
        found: Errors = {}
        problem = field_error(self.field) if isinstance(self.field, str) else "unknown"
        if problem:
            found[f"{path}.field"] = [_("Unknown field %(field)r.") % {"field": self.field}]
        if not isinstance(self.op, str) or self.op not in conditions.OPERATORS:
            found[f"{path}.op"] = [_("Unknown operator %(op)r.") % {"op": self.op}]
            return found
        try:
            conditions.prepare(self.op, self.value)
        except (ValueError, TypeError) as exc:
            found[f"{path}.value"] = [str(exc)]
        return found


def _conditions(data: Mapping[str, Any], path: str) -> tuple[Condition, ...]:
    return tuple(Condition.from_dict(c, f"{path}conditions.{i}") for i, c in enumerate(_items(data, "conditions", path)))


def _rule_basics(rule: Any, path: str, field_error: Any) -> Errors:
    found: Errors = {}
    if not isinstance(rule.key, str) or not _KEY.match(rule.key):
        found[f"{path}.key"] = [_("Use 1–64 lower-case letters, digits, - or _.")]
    if not isinstance(rule.label, str) or not rule.label.strip() or len(rule.label) > 200:
        found[f"{path}.label"] = [_("Enter a label of at most 200 characters.")]
    if (problem := _points_error(rule.points)) is not None:
        found[f"{path}.points"] = [problem]
    for i, condition in enumerate(rule.conditions):
        found.update(condition.errors(f"{path}.conditions.{i}", field_error))
    return found


@dataclass(frozen=True)
class FitRule:
    key: str
    label: str
    conditions: tuple[Condition, ...]
    points: int | float

    @classmethod
    def from_dict(cls, data: Any, path: str = "") -> FitRule:
        data = _mapping(data, path)
        return cls(data.get("key", ""), data.get("label", ""), _conditions(data, f"{path}."), data.get("points"))

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "conditions": [c.to_dict() for c in self.conditions], "points": self.points}

    def errors(self, path: str) -> Errors:
        found = _rule_basics(self, path, person_field_error)
        if not self.conditions:
            found[f"{path}.conditions"] = [_("A fit rule needs at least one condition.")]
        return found


@dataclass(frozen=True)
class PeriodCap:
    """At most `points` (in absolute value, before decay) within any `days`-long window."""

    points: int | float
    days: int | float

    @classmethod
    def from_value(cls, value: Any, path: str) -> PeriodCap | None:
        if value is None:
            return None
        if isinstance(value, Mapping):
            return cls(value.get("points"), value.get("days"))
        if isinstance(value, list | tuple) and len(value) == 2:
            return cls(value[0], value[1])
        raise SpecError({path: [_("Expected {\"points\": …, \"days\": …}.")]})

    def to_dict(self) -> dict[str, Any]:
        return {"points": self.points, "days": self.days}


def _optional_count_error(value: Any) -> str | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return None
    return _("Enter a whole number of at least 1, or leave empty.")


@dataclass(frozen=True)
class EngagementRule:
    key: str
    label: str
    event_type: str = "any"
    event_name: str | None = None
    conditions: tuple[Condition, ...] = ()
    points: int | float = 0
    intent: str = "low"
    max_per_day: int | None = None
    max_total: int | None = None
    max_points_per_period: PeriodCap | None = None
    half_life_days: int | float | None = None

    @classmethod
    def from_dict(cls, data: Any, path: str = "") -> EngagementRule:
        data = _mapping(data, path)
        return cls(
            key=data.get("key", ""),
            label=data.get("label", ""),
            event_type=data.get("event_type", "any"),
            event_name=data.get("event_name") or None,
            conditions=_conditions(data, f"{path}."),
            points=data.get("points"),
            intent=data.get("intent", "low"),
            max_per_day=data.get("max_per_day"),
            max_total=data.get("max_total"),
            max_points_per_period=PeriodCap.from_value(data.get("max_points_per_period"), f"{path}.max_points_per_period"),
            half_life_days=data.get("half_life_days"),
        )

    def to_dict(self) -> dict[str, Any]:
        cap = self.max_points_per_period
        return {
            "key": self.key,
            "label": self.label,
            "event_type": self.event_type,
            "event_name": self.event_name,
            "conditions": [c.to_dict() for c in self.conditions],
            "points": self.points,
            "intent": self.intent,
            "max_per_day": self.max_per_day,
            "max_total": self.max_total,
            "max_points_per_period": cap.to_dict() if cap else None,
            "half_life_days": self.half_life_days,
        }

    def errors(self, path: str) -> Errors:
        found = _rule_basics(self, path, event_field_error)
        if self.event_type not in EVENT_TYPE_CHOICES:
            found[f"{path}.event_type"] = [_("Choose page_view, track or any.")]
        if self.event_name is not None:
            if not isinstance(self.event_name, str) or len(self.event_name) > 100:
                found[f"{path}.event_name"] = [_("Enter an event name of at most 100 characters.")]
            elif self.event_type == "page_view":
                found[f"{path}.event_name"] = [_("Page views have no event name.")]
        if self.intent not in INTENTS:
            found[f"{path}.intent"] = [_("Choose high or low.")]
        for name in ("max_per_day", "max_total"):
            if (problem := _optional_count_error(getattr(self, name))) is not None:
                found[f"{path}.{name}"] = [problem]
        cap = self.max_points_per_period
        if cap is not None:
            if not _number(cap.points) or cap.points <= 0 or _points_error(cap.points):
                found[f"{path}.max_points_per_period.points"] = [_("Enter a positive number of points.")]
            if not _number(cap.days) or cap.days <= 0:
                found[f"{path}.max_points_per_period.days"] = [_("Enter a positive number of days.")]
        if self.half_life_days is not None and (not _number(self.half_life_days) or self.half_life_days < 0):
            found[f"{path}.half_life_days"] = [_("Enter zero (no decay) or a positive number of days, or leave empty.")]
        return found


@dataclass(frozen=True)
class Qualification:
    kind: str = "grade_and_engagement"
    min_grade: str = "B"
    min_engagement: int | float = 60
    min_combined: int | float = 95

    @classmethod
    def from_dict(cls, data: Any, path: str = "qualification") -> Qualification:
        data = _mapping(data if data is not None else {}, path)
        defaults = cls()
        return cls(**{name: data.get(name, getattr(defaults, name)) for name in ("kind", "min_grade", "min_engagement", "min_combined")})

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "min_grade": self.min_grade, "min_engagement": self.min_engagement, "min_combined": self.min_combined}

    def errors(self, path: str = "qualification") -> Errors:
        found: Errors = {}
        if not isinstance(self.kind, str) or self.kind not in QUALIFICATION_KINDS:
            found[f"{path}.kind"] = [_("Choose grade_and_engagement or combined.")]
        if self.min_grade not in GRADES:
            found[f"{path}.min_grade"] = [_("Choose a grade from A to D.")]
        for name in ("min_engagement", "min_combined"):
            if (problem := _points_error(getattr(self, name))) is not None:
                found[f"{path}.{name}"] = [problem]
        return found


DEFAULT_CUTOFFS = {"A": 60, "B": 40, "C": 20}


@dataclass(frozen=True)
class ModelSpec:
    key: str
    name: str
    fit_rules: tuple[FitRule, ...] = ()
    engagement_rules: tuple[EngagementRule, ...] = ()
    half_life_days: int | float = 30.0
    grade_cutoffs: Mapping[str, int | float] = field(default_factory=lambda: dict(DEFAULT_CUTOFFS))
    qualification: Qualification = field(default_factory=Qualification)

    @classmethod
    def from_dict(cls, data: Any) -> ModelSpec:
        data = _mapping(data, "")
        cutoffs = data.get("grade_cutoffs", DEFAULT_CUTOFFS)
        return cls(
            key=data.get("key", ""),
            name=data.get("name", ""),
            fit_rules=tuple(FitRule.from_dict(r, f"fit_rules.{i}") for i, r in enumerate(_items(data, "fit_rules", ""))),
            engagement_rules=tuple(
                EngagementRule.from_dict(r, f"engagement_rules.{i}") for i, r in enumerate(_items(data, "engagement_rules", ""))
            ),
            half_life_days=data.get("half_life_days", 30.0),
            grade_cutoffs=dict(_mapping(cutoffs, "grade_cutoffs")),
            qualification=Qualification.from_dict(data.get("qualification")),
        )

    @classmethod
    def parse(cls, data: Any) -> ModelSpec:
        """A valid model from JSON, or SpecError with every problem by path."""
        spec = cls.from_dict(data)
        if errors := spec.validate():
            raise SpecError(errors)
        return spec

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "fit_rules": [r.to_dict() for r in self.fit_rules],
            "engagement_rules": [r.to_dict() for r in self.engagement_rules],
            "half_life_days": self.half_life_days,
            "grade_cutoffs": dict(self.grade_cutoffs),
            "qualification": self.qualification.to_dict(),
        }

    def validate(self) -> Errors:
        found: Errors = {}
        if not isinstance(self.key, str) or not _KEY.match(self.key):
            found["key"] = [_("Use 1–64 lower-case letters, digits, - or _.")]
        if not isinstance(self.name, str) or not self.name.strip() or len(self.name) > 200:
            found["name"] = [_("Enter a name of at most 200 characters.")]
        if not _number(self.half_life_days) or self.half_life_days < 0:
            found["half_life_days"] = [_("Enter zero (no decay) or a positive number of days.")]
        seen: set[str] = set()
        rules = [(f"fit_rules.{i}", r) for i, r in enumerate(self.fit_rules)]
        rules += [(f"engagement_rules.{i}", r) for i, r in enumerate(self.engagement_rules)]
        for path, rule in rules:
            found.update(rule.errors(path))
            if isinstance(rule.key, str) and rule.key in seen:
                found.setdefault(f"{path}.key", []).append(_("Another rule of this model has this key."))
            seen.add(rule.key if isinstance(rule.key, str) else "")
        found.update(self._cutoff_errors())
        found.update(self.qualification.errors())
        return found

    def _cutoff_errors(self) -> Errors:
        found: Errors = {}
        for grade in GRADES[:-1]:
            value = self.grade_cutoffs.get(grade)
            if (problem := _points_error(value)) is not None:
                found[f"grade_cutoffs.{grade}"] = [problem]
        extra = set(self.grade_cutoffs) - set(GRADES[:-1])
        if extra:
            found["grade_cutoffs"] = [_("Only A, B and C have cut-offs; D is everything below C.")]
        if not found:
            a, b, c = (self.grade_cutoffs[g] for g in GRADES[:-1])
            if not a > b > c:
                found["grade_cutoffs"] = [_("Cut-offs must fall from A to C (A > B > C).")]
        return found

