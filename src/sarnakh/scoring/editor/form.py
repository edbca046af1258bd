"""The scoring model editor's form, as pure functions (no ORM): spec → typed rows, POST →
typed rows, typed rows → spec dict, row actions (add/remove/move), and validation error
paths → input names.

Rows are named by tokens, not positions: a rule row posts `fit_rule=f3` (or
`engagement_rule=e3`) and its inputs `f3-key`, `f3-points`…; its condition rows post
`f3-cond=f3c0` and `f3c0-field`, `f3c0-op`, `f3c0-value`. The order of the tokens in the
POST is the order of the rules, so the browser script only clones and moves rows and
never renumbers anything. Typed text is kept as typed: a "12x" in points reaches the
spec as "12x", the engine reports it by path, and the form shows it again beside its error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Any

from sarnakh.core.normalize import normalize_digits
from sarnakh.core.ui.form_values import as_input_text
from sarnakh.scoring.engine import conditions
from sarnakh.scoring.engine.facts import (
    BANT_KEYS,
    COMPANY_ATTRIBUTES,
    EVENT_ATTRIBUTES,
    PERSON_ATTRIBUTES,
)
from sarnakh.scoring.engine.qualification import GRADES
from sarnakh.scoring.engine.spec import DEFAULT_CUTOFFS

FIT, ENGAGEMENT = "fit", "engagement"
PREFIX = {FIT: "f", ENGAGEMENT: "e"}
RULE_LIST = {FIT: "fit_rules", ENGAGEMENT: "engagement_rules"}
MAX_RULES = 200
MAX_CONDITIONS = 20
PROPERTY_FIELDS = {FIT: ("properties.", "company.properties."), ENGAGEMENT: ("properties.",)}
_TOKEN = re.compile(r"^[a-z0-9]{1,24}$")
_LIST_SPLIT = re.compile(r"[,،\n]")
_CUTOFF_GRADES = GRADES[:-1]


# ------------------------------------------------------------------ what the form offers


def fit_fields() -> list[str]:
    """Fields a fit rule condition may read, in the order the select lists them."""
    return [
        *sorted(PERSON_ATTRIBUTES),
        *(f"bant.{key}" for key in BANT_KEYS),
        *(f"company.{name}" for name in sorted(COMPANY_ATTRIBUTES)),
    ]


def engagement_fields() -> list[str]:
    return sorted(EVENT_ATTRIBUTES)


def value_kind(op: str) -> str:
    """How an operator's value is typed: "none", "list" (comma-separated), "bound"
    (number or band) or "text". Read from the operator's schema, never from its key."""
    if op not in conditions.OPERATORS:
        return "text"
    spec = conditions.OPERATORS.get(op)
    if not spec.takes_value:
        return "none"
    kind = spec.config_schema.get("type")
    if kind == "array":
        return "list"
    if isinstance(kind, list) and "number" in kind:
        return "bound"
    return "text"


# ------------------------------------------------------------------ typed rows


@dataclass
class ConditionRow:
    token: str
    field: str = ""  # the select's value; "properties." when the key is typed apart
    prop: str = ""  # the typed key after "properties." / "company.properties."
    op: str = ""
    value: str = ""
    errors: dict[str, list[str]] = dc_field(default_factory=dict)  # by input suffix: "value"…

    @property
    def full_field(self) -> str:
        return self.field + self.prop.strip() if self.field.endswith(".") else self.field


@dataclass
class RuleRow:
    token: str
    kind: str  # FIT | ENGAGEMENT
    key: str = ""
    label: str = ""
    points: str = ""
    conditions: list[ConditionRow] = dc_field(default_factory=list)
    event_type: str = "any"
    event_name: str = ""
    intent: str = "low"
    max_per_day: str = ""
    max_total: str = ""
    cap_points: str = ""
    cap_days: str = ""
    half_life_days: str = ""
    errors: dict[str, list[str]] = dc_field(default_factory=dict)  # by input suffix: "points"…
    has_errors: bool = False  # here or in one of its conditions

    def new_condition(self) -> ConditionRow:
        used = {c.token for c in self.conditions}
        n = 0
        while f"{self.token}c{n}" in used:
            n += 1
        row = ConditionRow(token=f"{self.token}c{n}", op="eq")
        self.conditions.append(row)
        return row


@dataclass
class EditorState:
    key: str = ""
    name: str = ""
    half_life_days: str = "30"
    cutoffs: dict[str, str] = dc_field(default_factory=lambda: {g: as_input_text(v) for g, v in DEFAULT_CUTOFFS.items()})
    q_kind: str = "grade_and_engagement"
    q_min_grade: str = "B"
    q_min_engagement: str = "60"
    q_min_combined: str = "95"
    note: str = ""
    fit_rules: list[RuleRow] = dc_field(default_factory=list)
    engagement_rules: list[RuleRow] = dc_field(default_factory=list)

    def rules(self, kind: str) -> list[RuleRow]:
        return self.fit_rules if kind == FIT else self.engagement_rules

    def all_rules(self) -> list[RuleRow]:
        return [*self.fit_rules, *self.engagement_rules]

    def new_token(self, kind: str) -> str:
        used = {r.token for r in self.all_rules()}
        n = 0
        while f"{PREFIX[kind]}{n}" in used:
            n += 1
        return f"{PREFIX[kind]}{n}"


# ------------------------------------------------------------------ spec → rows




def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(as_input_text(v) for v in value)
    return as_input_text(value)


def _condition_from_spec(token: str, data: Mapping[str, Any], kind: str) -> ConditionRow:
    name = as_input_text(data.get("field"))
    row = ConditionRow(token=token, field=name, op=as_input_text(data.get("op")), value=_value_text(data.get("value")))
    # The longest matching prefix wins: "company.properties." before "properties.".
    for prefix in sorted(PROPERTY_FIELDS[kind], key=len, reverse=True):
        if name.startswith(prefix):
            row.field, row.prop = prefix, name[len(prefix):]
            break
    return row


def _rule_from_spec(token: str, kind: str, data: Mapping[str, Any]) -> RuleRow:
    row = RuleRow(token=token, kind=kind, key=as_input_text(data.get("key")), label=as_input_text(data.get("label")), points=as_input_text(data.get("points")))
    row.conditions = [
        _condition_from_spec(f"{token}c{i}", c if isinstance(c, Mapping) else {}, kind) for i, c in enumerate(data.get("conditions") or [])
    ]
    if kind == ENGAGEMENT:
        cap = data.get("max_points_per_period") or {}
        row.event_type = as_input_text(data.get("event_type") or "any")
        row.event_name = as_input_text(data.get("event_name"))
        row.intent = as_input_text(data.get("intent") or "low")
        row.max_per_day, row.max_total = as_input_text(data.get("max_per_day")), as_input_text(data.get("max_total"))
        row.cap_points, row.cap_days = as_input_text(cap.get("points")), as_input_text(cap.get("days"))
        row.half_life_days = as_input_text(data.get("half_life_days"))
    return row


def state_from_spec(spec: Mapping[str, Any], *, key: str | None = None) -> EditorState:
    """The editor's rows for stored rules (a version's `spec`)."""
    cutoffs = spec.get("grade_cutoffs") or {}
    q = spec.get("qualification") or {}
    state = EditorState(
        key=key if key is not None else as_input_text(spec.get("key")), name=as_input_text(spec.get("name")),
        half_life_days=as_input_text(spec.get("half_life_days", 30)),
        cutoffs={g: as_input_text(cutoffs.get(g)) for g in _CUTOFF_GRADES},
        q_kind=as_input_text(q.get("kind", "grade_and_engagement")), q_min_grade=as_input_text(q.get("min_grade", "B")),
        q_min_engagement=as_input_text(q.get("min_engagement", 60)), q_min_combined=as_input_text(q.get("min_combined", 95)),
    )
    for kind in (FIT, ENGAGEMENT):
        for i, rule in enumerate(spec.get(RULE_LIST[kind]) or []):
            state.rules(kind).append(_rule_from_spec(f"{PREFIX[kind]}{i}", kind, rule if isinstance(rule, Mapping) else {}))
    return state


# ------------------------------------------------------------------ POST → rows


def _one(post: Mapping[str, list[str]], name: str, default: str = "") -> str:
    values = post.get(name) or []
    return values[-1] if values else default


def _tokens(post: Mapping[str, list[str]], name: str, prefix: str, limit: int) -> list[str]:
    seen: list[str] = []
    for token in post.get(name) or []:
        if token.startswith(prefix) and _TOKEN.match(token) and token not in seen:
            seen.append(token)
    return seen[:limit]


def state_from_post(post: Mapping[str, list[str]], *, key: str | None = None) -> EditorState:
    """The editor's rows as typed, from `dict(request.POST.lists())`."""
    state = EditorState(
        key=key if key is not None else _one(post, "key").strip(), name=_one(post, "name"),
        half_life_days=_one(post, "half_life_days"),
        cutoffs={g: _one(post, f"cutoff_{g}") for g in _CUTOFF_GRADES},
        q_kind=_one(post, "q_kind"), q_min_grade=_one(post, "q_min_grade"),
        q_min_engagement=_one(post, "q_min_engagement"), q_min_combined=_one(post, "q_min_combined"),
        note=_one(post, "note"),
    )
    for kind in (FIT, ENGAGEMENT):
        for token in _tokens(post, f"{kind}_rule", PREFIX[kind], MAX_RULES):
            row = RuleRow(
                token=token, kind=kind, key=_one(post, f"{token}-key"), label=_one(post, f"{token}-label"),
                points=_one(post, f"{token}-points"),
            )
            for c in _tokens(post, f"{token}-cond", f"{token}c", MAX_CONDITIONS):
                row.conditions.append(ConditionRow(
                    token=c, field=_one(post, f"{c}-field"), prop=_one(post, f"{c}-prop"),
                    op=_one(post, f"{c}-op"), value=_one(post, f"{c}-value"),
                ))
            if kind == ENGAGEMENT:
                row.event_type, row.event_name = _one(post, f"{token}-event_type", "any"), _one(post, f"{token}-event_name")
                row.intent = _one(post, f"{token}-intent", "low")
                row.max_per_day, row.max_total = _one(post, f"{token}-max_per_day"), _one(post, f"{token}-max_total")
                row.cap_points, row.cap_days = _one(post, f"{token}-cap_points"), _one(post, f"{token}-cap_days")
                row.half_life_days = _one(post, f"{token}-half_life_days")
            state.rules(kind).append(row)
    return state


# ------------------------------------------------------------------ rows → spec


def parse_number(text: str) -> Any:
    """A typed number as int or float ("۱۲" and "1,000" too); "" as None; anything else
    as typed, for the engine to refuse with a message at its path."""
    cleaned = normalize_digits(text or "").strip().replace("٫", ".").replace(",", "").replace("٬", "")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text.strip()
    if not number.is_finite():
        return text.strip()
    return int(number) if number == number.to_integral_value() and "." not in cleaned and "e" not in cleaned.lower() else float(number)


def _condition_value(row: ConditionRow) -> Any:
    kind = value_kind(row.op)
    text = row.value.strip()
    if kind == "none":
        return None
    if kind == "list":
        return [part.strip() for part in _LIST_SPLIT.split(text) if part.strip()]
    if kind == "bound":
        number = parse_number(text)
        return number if isinstance(number, int | float) else text
    return text


def _condition_spec(row: ConditionRow) -> dict[str, Any]:
    return {"field": row.full_field.strip(), "op": row.op.strip(), "value": _condition_value(row)}


def _rule_spec(row: RuleRow) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": row.key.strip(), "label": row.label.strip(),
        "conditions": [_condition_spec(c) for c in row.conditions], "points": parse_number(row.points),
    }
    if row.kind == ENGAGEMENT:
        cap = None
        if row.cap_points.strip() or row.cap_days.strip():
            cap = {"points": parse_number(row.cap_points), "days": parse_number(row.cap_days)}
        data |= {
            "event_type": row.event_type.strip() or "any", "event_name": row.event_name.strip() or None,
            "intent": row.intent.strip() or "low",
            "max_per_day": parse_number(row.max_per_day), "max_total": parse_number(row.max_total),
            "max_points_per_period": cap, "half_life_days": parse_number(row.half_life_days),
        }
    return data


def spec_from_state(state: EditorState) -> dict[str, Any]:
    """The spec dict `ModelSpec.parse` and `scoring_model_save` take."""
    return {
        "key": state.key.strip(),
        "name": state.name.strip(),
        "fit_rules": [_rule_spec(r) for r in state.fit_rules],
        "engagement_rules": [_rule_spec(r) for r in state.engagement_rules],
        "half_life_days": parse_number(state.half_life_days),
        "grade_cutoffs": {g: parse_number(state.cutoffs.get(g, "")) for g in _CUTOFF_GRADES},
        "qualification": {
            "kind": state.q_kind.strip(), "min_grade": state.q_min_grade.strip(),
            "min_engagement": parse_number(state.q_min_engagement), "min_combined": parse_number(state.q_min_combined),
        },
    }


def spec_from_post(post: Mapping[str, list[str]], *, key: str | None = None) -> dict[str, Any]:
    return spec_from_state(state_from_post(post, key=key))


# ------------------------------------------------------------------ row actions (without JS)


def _find(state: EditorState, token: str) -> tuple[list[RuleRow], int] | None:
    for kind in (FIT, ENGAGEMENT):
        rows = state.rules(kind)
        for i, row in enumerate(rows):
            if row.token == token:
                return rows, i
    return None


def _move(items: list, index: int, step: int) -> None:
    other = index + step
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]


def apply_action(state: EditorState, action: str) -> bool:
    """Applies a row button: `add:fit`, `add:engagement`, `remove:f3`, `up:f3`, `down:f3`,
    `add_cond:f3`, `remove_cond:f3c1`. Returns whether `action` was one of them."""
    verb, _sep, target = action.partition(":")
    if verb == "add" and target in (FIT, ENGAGEMENT):
        if len(state.rules(target)) < MAX_RULES:
            row = RuleRow(token=state.new_token(target), kind=target)
            if target == FIT:  # a fit rule needs a condition; an engagement rule's are optional
                row.new_condition()
            state.rules(target).append(row)
        return True
    if verb in ("remove", "up", "down", "add_cond"):
        found = _find(state, target)
        if found is not None:
            rows, i = found
            if verb == "remove":
                rows.pop(i)
            elif verb == "add_cond":
                if len(rows[i].conditions) < MAX_CONDITIONS:
                    rows[i].new_condition()
            else:
                _move(rows, i, -1 if verb == "up" else 1)
        return True
    if verb == "remove_cond":
        rule_token = target.split("c", 1)[0]
        found = _find(state, rule_token)
        if found is not None:
            rows, i = found
            rows[i].conditions = [c for c in rows[i].conditions if c.token != target]
        return True
    return False


# ------------------------------------------------------------------ errors → inputs

_RULE_FIELDS = {
    "max_points_per_period.points": "cap_points", "max_points_per_period.days": "cap_days", "max_points_per_period": "cap_points",
}
_MODEL_FIELDS = {
    "key": "key", "name": "name", "half_life_days": "half_life_days", "grade_cutoffs": "cutoffs",
    **{f"grade_cutoffs.{g}": f"cutoff_{g}" for g in _CUTOFF_GRADES},
    "qualification.kind": "q_kind", "qualification.min_grade": "q_min_grade",
    "qualification.min_engagement": "q_min_engagement", "qualification.min_combined": "q_min_combined",
    "qualification": "q_kind", "note": "note",
}


def _input_for(path: str, state: EditorState) -> str | None:
    if path in _MODEL_FIELDS:
        return _MODEL_FIELDS[path]
    parts = path.split(".")
    kind = next((k for k, name in RULE_LIST.items() if parts[0] == name), None)
    if kind is None or len(parts) < 2 or not parts[1].isdigit():
        return None
    rows = state.rules(kind)
    index = int(parts[1])
    if index >= len(rows):
        return None
    row, rest = rows[index], parts[2:]
    if not rest:
        return f"{row.token}-row"
    if rest[0] == "conditions" and len(rest) >= 2 and rest[1].isdigit():
        c = int(rest[1])
        if c >= len(row.conditions):
            return f"{row.token}-conditions"
        name = rest[2] if len(rest) > 2 else "field"
        return f"{row.conditions[c].token}-{name}"
    tail = ".".join(rest)
    return f"{row.token}-{_RULE_FIELDS.get(tail, tail)}"


def errors_by_input(errors: Mapping[str, Iterable[str]], state: EditorState) -> tuple[dict[str, list[str]], list[str]]:
    """Engine error paths (`engagement_rules.2.points`) → {input name: messages}, plus the
    messages that belong to no input (shown at the top of the form)."""
    by_input: dict[str, list[str]] = {}
    general: list[str] = []
    for path, messages in errors.items():
        name = _input_for(path, state)
        if name is None:
            general.extend(messages)
        else:
            by_input.setdefault(name, []).extend(messages)
    return by_input, general


def attach_errors(state: EditorState, by_input: Mapping[str, list[str]]) -> None:
    """Gives each rule and condition row its own errors, keyed by input suffix
    (`f3-points` → rule f3's errors["points"]), for the template to show beside the input."""
    for row in state.all_rules():
        row.errors = {name.split("-", 1)[1]: msgs for name, msgs in by_input.items() if name.startswith(f"{row.token}-")}
        for condition in row.conditions:
            condition.errors = {
                name.split("-", 1)[1]: msgs for name, msgs in by_input.items() if name.startswith(f"{condition.token}-")
            }
        row.has_errors = bool(row.errors) or any(c.errors for c in row.conditions)
