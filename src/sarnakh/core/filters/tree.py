"""The filter language's tree (pure, no ORM): groups of conditions, parsed from JSON and
validated against a field catalogue, serialised back to the same JSON.

JSON shape::

    {"match": "all", "not": false, "conditions": [
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
        {"field": "grade", "op": "gte", "value": "B"},
        {"match": "any", "not": true, "conditions": [...]}
    ]}

A group matches all (AND) or any (OR) of its conditions; `not` negates it. An empty
"all" group matches everyone, an empty "any" group no one. Every error is a
`FilterError` naming the path of the offending node (`conditions[2].conditions[0].op`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

MAX_DEPTH = 10  # groups nested inside the root, counting the root as 1
MAX_CONDITIONS = 200
MAX_LIST_ITEMS = 1_000
MAX_TEXT = 2_000
MATCHES = ("all", "any")


class FilterError(ValueError):
    """A tree that cannot be used, with the path of the node at fault."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None
    prepared: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Group:
    match: str = "all"
    conditions: tuple[Condition | Group, ...] = ()
    negate: bool = False


Node = Condition | Group


class FieldCatalog(Protocol):
    def prepare(self, field: str, op: str, value: Any) -> Any:
        """The compiled-ready value; raises FilterError with a path relative to the
        condition ("field", "op", "value", "value.days")."""


def _join(path: str, part: str) -> str:
    if not path:
        return part
    return f"{path}{part}" if part.startswith("[") else f"{path}.{part}"


def _check_size(value: Any, path: str, depth: int = 0) -> None:
    """Values are small JSON: strings ≤ 2,000 characters, lists ≤ 1,000 items."""
    if depth > 3:
        raise FilterError(path, _("The value is nested too deeply."))
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise FilterError(path, _("Text longer than %(max)s characters.") % {"max": MAX_TEXT})
    elif isinstance(value, list):
        if len(value) > MAX_LIST_ITEMS:
            raise FilterError(path, _("More than %(max)s values.") % {"max": MAX_LIST_ITEMS})
        for i, item in enumerate(value):
            _check_size(item, f"{path}[{i}]", depth + 1)
    elif isinstance(value, dict):
        if len(value) > 20:
            raise FilterError(path, _("Too many keys."))
        for key, item in value.items():
            if not isinstance(key, str):
                raise FilterError(path, _("Keys must be text."))
            _check_size(item, _join(path, key), depth + 1)
    elif value is not None and not isinstance(value, bool | int | float):
        raise FilterError(path, _("Not a JSON value."))


class _Parser:
    def __init__(self, catalog: FieldCatalog):
        self.catalog = catalog
        self.count = 0

    def group(self, data: Any, path: str, depth: int) -> Group:
        if depth > MAX_DEPTH:
            raise FilterError(path, _("Groups are nested more than %(max)s levels deep.") % {"max": MAX_DEPTH})
        if not isinstance(data, dict) or "conditions" not in data:
            raise FilterError(path, _("Expected a group: {\"match\": \"all\"|\"any\", \"conditions\": [...]}."))
        unknown = set(data) - {"match", "not", "conditions"}
        if unknown:
            raise FilterError(_join(path, sorted(unknown)[0]), _("Unknown key in a group."))
        match = data.get("match", "all")
        if match not in MATCHES:
            raise FilterError(_join(path, "match"), _("Expected \"all\" or \"any\"."))
        negate = data.get("not", False)
        if not isinstance(negate, bool):
            raise FilterError(_join(path, "not"), _("Expected true or false."))
        items = data["conditions"]
        if not isinstance(items, list):
            raise FilterError(_join(path, "conditions"), _("Expected a list."))
        if len(items) > MAX_CONDITIONS:
            raise FilterError(_join(path, "conditions"), _("More than %(max)s conditions.") % {"max": MAX_CONDITIONS})
        nodes = []
        for i, item in enumerate(items):
            item_path = _join(path, f"conditions[{i}]")
            if isinstance(item, dict) and "conditions" in item:
                nodes.append(self.group(item, item_path, depth + 1))
            else:
                nodes.append(self.condition(item, item_path))
        return Group(match=match, conditions=tuple(nodes), negate=negate)

    def condition(self, data: Any, path: str) -> Condition:
        self.count += 1
        if self.count > MAX_CONDITIONS:
            raise FilterError(path, _("More than %(max)s conditions in the filter.") % {"max": MAX_CONDITIONS})
        if not isinstance(data, dict):
            raise FilterError(path, _("Expected a condition: {\"field\": …, \"op\": …, \"value\": …}."))
        unknown = set(data) - {"field", "op", "value"}
        if unknown:
            raise FilterError(_join(path, sorted(unknown)[0]), _("Unknown key in a condition."))
        field_key, op, value = data.get("field"), data.get("op"), data.get("value")
        if not isinstance(field_key, str) or not field_key:
            raise FilterError(_join(path, "field"), _("Expected a field name."))
        if not isinstance(op, str) or not op:
            raise FilterError(_join(path, "op"), _("Expected an operator name."))
        _check_size(value, _join(path, "value"))
        try:
            prepared = self.catalog.prepare(field_key, op, value)
        except FilterError as exc:
            raise FilterError(_join(path, exc.path), exc.message) from None
        return Condition(field=field_key, op=op, value=value, prepared=prepared)


def parse(data: Any, catalog: FieldCatalog) -> Group:
    """The validated tree of a JSON filter; raises FilterError naming the node at fault."""
    return _Parser(catalog).group(data, "", 1)


def to_json(node: Node) -> dict[str, Any]:
    if isinstance(node, Condition):
        out: dict[str, Any] = {"field": node.field, "op": node.op}
        if node.value is not None:
            out["value"] = node.value
        return out
    out = {"match": node.match, "conditions": [to_json(child) for child in node.conditions]}
    if node.negate:
        out["not"] = True
    return out


def fold(node: Node, leaf: Callable[[Condition], Any], both: Callable[[list[Any]], Any],
         either: Callable[[list[Any]], Any], negate: Callable[[Any], Any]) -> Any:
    """Walk the tree bottom-up: a compiler gives what a leaf, AND, OR and NOT become."""
    if isinstance(node, Condition):
        return leaf(node)
    parts = [fold(child, leaf, both, either, negate) for child in node.conditions]
    result = both(parts) if node.match == "all" else either(parts)
    return negate(result) if node.negate else result
