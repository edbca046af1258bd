"""The segment builder's form, as pure functions over the field registry (no ORM): a filter
tree → typed rows, POST → typed rows, typed rows → the filter's JSON, row actions (add a
condition, add a group, remove), and FilterError paths → the row they name.

Every node of the tree is named by a token, never by its position: a node posts
`node=n3`, `n3-parent=n1`, `n3-kind=cond|group` and its inputs `n3-field`, `n3-op`,
`n3-value`… The order of the `node` values in the POST is the order of the tree, so the
page never renumbers anything (htmx swaps in what the server renders). The root group is
always `n0`. Typed text is kept as typed: "12x" reaches the filter as "12x", the filter
language refuses it by path, and the row shows it again beside its error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from decimal import Decimal, InvalidOperation
from typing import Any

from sarnakh.core.conditions import OPERATORS
from sarnakh.core.filters.fields import FIELDS, field_for
from sarnakh.core.filters.tree import MAX_CONDITIONS, MAX_DEPTH
from sarnakh.core.normalize import normalize_digits
from sarnakh.core.registry import UnknownKey
from sarnakh.core.ui.form_values import as_input_text

ROOT = "n0"
MAX_NODES = MAX_CONDITIONS + 60  # conditions and groups a POST may carry; more are dropped
BEHAVIOUR_KEYS = {"page_views": ("times", "days", "path"), "custom_event": ("name", "times", "days"),
                  "form_submitted": ("form", "times", "days")}
ID_CHOICES = ("owner", "segment")  # fields whose choices are ids (users, segments and lists)
DAY_OPS = ("in_last_days", "more_than_days_ago", "in_next_days")
LIST_OPS = ("in", "not_in", "starts_with")
_TOKEN = re.compile(r"^n[0-9]{1,6}$")
_LIST_SPLIT = re.compile(r"[,،\n]")
_PATH_STEP = re.compile(r"^conditions\[(\d+)\]\.?")


# ------------------------------------------------------------------ typed rows


@dataclass
class CondRow:
    token: str
    field: str = ""  # a field key, or a family's key ("property") with the member in `key`
    key: str = ""
    op: str = ""
    value: str = ""
    value2: str = ""  # the high end of `between`
    values: list[str] = dc_field(default_factory=list)  # several choices (in / not in)
    times: str = ""
    days: str = ""
    path: str = ""
    name: str = ""
    form: str = ""
    extra: str = ""  # a custom event's property condition, kept as JSON
    errors: dict[str, list[str]] = dc_field(default_factory=dict)

    is_group = False

    @property
    def full_field(self) -> str:
        return f"{self.field}:{self.key.strip()}" if self.field and is_family(self.field) else self.field


@dataclass
class GroupRow:
    token: str
    match: str = "all"
    negate: bool = False
    children: list[CondRow | GroupRow] = dc_field(default_factory=list)
    depth: int = 1
    errors: dict[str, list[str]] = dc_field(default_factory=dict)

    is_group = True

    @property
    def can_nest(self) -> bool:
        return self.depth < MAX_DEPTH


def is_family(key: str) -> bool:
    return key in FIELDS and FIELDS.get(key).family


def spec_of(row: CondRow):
    """The field spec a row names (a family bound to a placeholder member), or None."""
    if not row.field or row.field not in FIELDS:
        return None
    if is_family(row.field):
        try:
            return field_for(f"{row.field}:{row.key.strip() or 'x'}")
        except (UnknownKey, ValueError):
            return FIELDS.get(row.field)
    return FIELDS.get(row.field)


def value_kind(row: CondRow) -> str:
    """How the row's value is typed in: none, behaviour, days, between, many (a
    multi-select of choices), list (comma-separated), choice, boolean, number, date, text."""
    spec = spec_of(row)
    op = row.op
    if spec is None:
        return "text"
    if op in OPERATORS and not OPERATORS.get(op).takes_value:
        return "none"
    if spec.value_type == "behaviour":
        return "behaviour"
    if op in DAY_OPS:
        return "days"
    if op == "between":
        return "between"
    chosen = choice_field(row)
    if op in LIST_OPS:
        return "many" if chosen else "list"
    if spec.value_type == "list":
        return "list"
    if chosen:
        return "choice"
    if spec.value_type in ("boolean", "number", "date"):
        return spec.value_type
    if is_family(row.field) and op in ("gt", "lt", "gte", "lte"):
        return "number"
    return "text"


def choice_field(row: CondRow) -> bool:
    """Whether the value is picked from a list (the field's choices, stages, users)."""
    spec = spec_of(row)
    return spec is not None and (bool(spec.choices) or row.field in ID_CHOICES or row.field == "stage")


# ------------------------------------------------------------------ tree → rows




class _Tokens:
    def __init__(self):
        self.n = 0

    def next(self) -> str:
        self.n += 1
        return f"n{self.n}"


def _cond_from(data: Mapping[str, Any], token: str) -> CondRow:
    key = as_input_text(data.get("field"))
    family, sep, member = key.partition(":")
    row = CondRow(token=token, field=family if sep and is_family(family) else key, key=member if sep else "",
                  op=as_input_text(data.get("op")))
    value = data.get("value")
    kind = value_kind(row)
    if kind == "behaviour" and isinstance(value, Mapping):
        for name in ("times", "days", "path", "name", "form"):
            setattr(row, name, as_input_text(value.get(name)))
        if value.get("property") is not None:
            row.extra = json.dumps(value["property"], ensure_ascii=False)
    elif kind == "between" and isinstance(value, list) and len(value) == 2:
        row.value, row.value2 = as_input_text(value[0]), as_input_text(value[1])
    elif kind == "many" and isinstance(value, list):
        row.values = [as_input_text(v) for v in value]
    elif isinstance(value, list):
        row.value = ", ".join(as_input_text(v) for v in value)
    else:
        row.value = as_input_text(value)
    return row


def _group_from(data: Mapping[str, Any], token: str, tokens: _Tokens, depth: int) -> GroupRow:
    group = GroupRow(token=token, match="any" if data.get("match") == "any" else "all",
                     negate=data.get("not") is True, depth=depth)
    for item in data.get("conditions") or []:
        if not isinstance(item, Mapping):
            continue
        if "conditions" in item and depth < MAX_DEPTH:
            group.children.append(_group_from(item, tokens.next(), tokens, depth + 1))
        elif "conditions" not in item:
            group.children.append(_cond_from(item, tokens.next()))
    return group


def rows_from_filter(data: Any) -> GroupRow:
    """The builder's rows for a stored filter."""
    if not isinstance(data, Mapping) or "conditions" not in data:
        return GroupRow(token=ROOT)
    return _group_from(data, ROOT, _Tokens(), 1)


# ------------------------------------------------------------------ POST → rows


def _one(post: Mapping[str, list[str]], name: str, default: str = "") -> str:
    values = post.get(name) or []
    return values[-1] if values else default


def rows_from_post(post: Mapping[str, list[str]]) -> GroupRow:
    """The rows as typed, from `dict(request.POST.lists())`. A node whose parent is no
    group posted before it, or that would nest deeper than the language allows, is dropped."""
    root = GroupRow(token=ROOT, match="any" if _one(post, f"{ROOT}-match") == "any" else "all",
                    negate=_one(post, f"{ROOT}-not") == "on")
    groups = {ROOT: root}
    seen = {ROOT}
    for token in (post.get("node") or [])[:MAX_NODES]:
        if token in seen or not _TOKEN.match(token):
            continue
        seen.add(token)
        parent = groups.get(_one(post, f"{token}-parent"))
        if parent is None:
            continue
        if _one(post, f"{token}-kind") == "group":
            if parent.depth >= MAX_DEPTH:
                continue
            group = GroupRow(token=token, match="any" if _one(post, f"{token}-match") == "any" else "all",
                             negate=_one(post, f"{token}-not") == "on", depth=parent.depth + 1)
            groups[token] = group
            parent.children.append(group)
        else:
            row = CondRow(token=token, field=_one(post, f"{token}-field"), key=_one(post, f"{token}-key"),
                          op=_one(post, f"{token}-op"), value=_one(post, f"{token}-value"),
                          value2=_one(post, f"{token}-value2"), values=list(post.get(f"{token}-values") or []),
                          times=_one(post, f"{token}-times"), days=_one(post, f"{token}-days"),
                          path=_one(post, f"{token}-path"), name=_one(post, f"{token}-name"),
                          form=_one(post, f"{token}-form"), extra=_one(post, f"{token}-extra"))
            fit_operator(row)
            parent.children.append(row)
    return root


def fit_operator(row: CondRow) -> None:
    """A field picked anew keeps its operator only if the field has it."""
    spec = spec_of(row)
    if spec is not None and spec.operators and row.op not in spec.operators:
        row.op = spec.operators[0]


# ------------------------------------------------------------------ rows → filter


def parse_number(text: str) -> Any:
    """A typed number as int or float ("۱۲" and "1,000" too); anything else as typed, for
    the filter language to refuse at its path."""
    cleaned = normalize_digits(text or "").strip().replace("٫", ".").replace(",", "").replace("٬", "")
    if not cleaned:
        return text.strip() if text else None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return text.strip()
    if not number.is_finite():
        return text.strip()
    if number == number.to_integral_value() and "." not in cleaned and "e" not in cleaned.lower():
        return int(number)
    return float(number)


def _whole(text: str) -> Any:
    number = parse_number(text)
    return number if number is not None else None


def _scalar(row: CondRow, text: str) -> Any:
    spec = spec_of(row)
    kind = spec.value_type if spec is not None else "text"
    text = text.strip()
    if row.field in ID_CHOICES:
        return parse_number(text)
    if is_family(row.field):
        return parse_number(text) if row.op in ("gt", "lt", "gte", "lte", "between") else text
    if kind == "number":
        return parse_number(text)
    if kind == "boolean":
        return {"true": True, "false": False}.get(text, text)
    return text


def _value(row: CondRow) -> tuple[bool, Any]:
    kind = value_kind(row)
    if kind == "none":
        return False, None
    if kind == "behaviour":
        value: dict[str, Any] = {}
        for name in BEHAVIOUR_KEYS.get(row.field, ("times", "days")):
            typed = getattr(row, name).strip()
            if not typed:
                continue
            value[name] = _whole(typed) if name in ("times", "days") else typed
        if row.field == "custom_event" and row.extra.strip():
            try:
                value["property"] = json.loads(row.extra)
            except ValueError:
                value["property"] = row.extra
        return True, value
    if kind == "days":
        return True, _whole(row.value)
    if kind == "between":
        return True, [_scalar(row, row.value), _scalar(row, row.value2)]
    if kind == "many":
        return True, [parse_number(v) if row.field in ID_CHOICES else v for v in row.values if v]
    if kind == "list":
        return True, [_scalar(row, part) for part in _LIST_SPLIT.split(row.value) if part.strip()]
    return True, _scalar(row, row.value)


def _node_json(node: CondRow | GroupRow) -> dict[str, Any]:
    if isinstance(node, GroupRow):
        out: dict[str, Any] = {"match": node.match, "conditions": [_node_json(c) for c in node.children]}
        if node.negate:
            out["not"] = True
        return out
    out = {"field": node.full_field.strip(), "op": node.op.strip()}
    has, value = _value(node)
    if has:
        out["value"] = value
    return out


def filter_from_rows(root: GroupRow) -> dict[str, Any]:
    """The filter's JSON, as the filter language and `segment_create` take it."""
    return _node_json(root)


# ------------------------------------------------------------------ row actions


def _all_tokens(node: GroupRow) -> list[str]:
    out = [node.token]
    for child in node.children:
        out += _all_tokens(child) if isinstance(child, GroupRow) else [child.token]
    return out


def find(root: GroupRow, token: str) -> tuple[GroupRow | None, CondRow | GroupRow | None]:
    """(parent, node) of a token; (None, root) for the root; (None, None) if absent."""
    if token == root.token:
        return None, root
    for child in root.children:
        if child.token == token:
            return root, child
        if isinstance(child, GroupRow):
            parent, node = find(child, token)
            if node is not None:
                return parent, node
    return None, None


def new_token(root: GroupRow) -> str:
    used = {int(t[1:]) for t in _all_tokens(root)}
    return f"n{max(used) + 1}"


def count_conditions(node: GroupRow) -> int:
    return sum(count_conditions(c) if isinstance(c, GroupRow) else 1 for c in node.children)


def apply_action(root: GroupRow, action: str) -> bool:
    """Applies a row button: `add_cond:n1`, `add_group:n1`, `remove:n3`, `refresh`.
    Returns whether `action` was one of them (the page is shown again, nothing saved)."""
    verb, _sep, target = action.partition(":")
    if verb == "refresh":
        return True
    if verb not in ("add_cond", "add_group", "remove"):
        return False
    parent, node = find(root, target)
    if verb == "remove":
        if parent is not None and node is not None:
            parent.children = [c for c in parent.children if c.token != target]
        return True
    if not isinstance(node, GroupRow) or count_conditions(root) >= MAX_CONDITIONS:
        return True
    if verb == "add_cond":
        node.children.append(CondRow(token=new_token(root), field="email", op="contains"))
    elif node.can_nest:
        group = GroupRow(token=new_token(root), match="any", depth=node.depth + 1)
        group.children.append(CondRow(token=f"n{int(group.token[1:]) + 1}", field="email", op="contains"))
        node.children.append(group)
    return True


# ------------------------------------------------------------------ errors → rows


def _value_part(rest: str, row: CondRow) -> str:
    """`value.days` → "days" for a behaviour row's sub-input; anything else under value → "value"."""
    sub = rest[len("value"):].lstrip(".")
    head = re.split(r"[.\[]", sub, maxsplit=1)[0] if sub else ""
    if head in BEHAVIOUR_KEYS.get(row.field, ()):
        return head
    if head == "property":
        return "value"
    if value_kind(row) == "between" and sub.startswith("[1]"):
        return "value2"
    return "value"


def attach_error(root: GroupRow, path: str, message: str) -> bool:
    """Puts a FilterError's message on the row its path names (`conditions[2].conditions[0].op`);
    False when the path names no row (the page shows it above the tree)."""
    node: CondRow | GroupRow = root
    rest = path
    for _step in range(MAX_DEPTH + 2):
        match = _PATH_STEP.match(rest)
        if not match or not isinstance(node, GroupRow):
            break
        index = int(match.group(1))
        if index >= len(node.children):
            break
        node, rest = node.children[index], rest[match.end():]
    if isinstance(node, GroupRow):
        node.errors.setdefault(rest.split(".")[0] or "group", []).append(message)
        return node is not root or bool(rest)
    part = rest.split(".")[0].split("[")[0] or "field"
    if part == "value":
        part = _value_part(rest, node)
    elif part not in ("field", "op"):
        part = "field"
    if part == "field" and is_family(node.field):
        part = "key"
    node.errors.setdefault(part, []).append(message)
    return True


def has_errors(node: CondRow | GroupRow) -> bool:
    if node.errors:
        return True
    return isinstance(node, GroupRow) and any(has_errors(c) for c in node.children)
