"""What a filter condition can test: a registry of field specs (pure, no ORM).

Each app registers its own fields in `<app>/filter_fields.py` (found by core's
autodiscovery, like events and subscribers), and compiles its own conditions: the spec's
`to_q(op, prepared, now)` returns a Q over contacts.Contact, reaching the app's own tables
by a subquery; `evaluate(facts, op, prepared, now)` is the same condition in Python, over
the plain facts the app's `load_facts` gives for a contact (tests compare the two).

A family (`family=True`, key `property`) stands for every key after a colon
(`property:tier`): its `bind(name)` returns the spec of one member.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.conditions import OPERATORS, as_datetime
from sarnakh.core.conditions import prepare as shared_prepare
from sarnakh.core.filters.tree import MAX_LIST_ITEMS, FilterError
from sarnakh.core.registry import Registry, Spec, UnknownKey

VALUE_TYPES = ("text", "number", "date", "choice", "boolean", "list", "behaviour")
TEXT_OPS = ("eq", "ne", "in", "not_in", "contains", "starts_with", "is_set", "is_not_set")
NUMBER_OPS = ("eq", "ne", "gt", "lt", "gte", "lte", "between", "is_set", "is_not_set")
DATE_OPS = ("gt", "lt", "gte", "lte", "between", "in_last_days", "more_than_days_ago", "in_next_days",
            "is_set", "is_not_set")
CHOICE_OPS = ("eq", "ne", "in", "not_in")
LIST_OPS = ("in", "not_in", "is_set", "is_not_set")
BOOLEAN_OPS = ("eq",)
JSON_OPS = (*TEXT_OPS, "gt", "lt", "gte", "lte", "between")
MAX_PREFIXES = 100  # starts_with ORs its prefixes; SQLite bounds an expression's depth
_MEMBER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")

Facts = Mapping[str, Any]
CONTACT_GROUP = _("Contact")


@dataclass(frozen=True)
class FieldSpec(Spec):
    """key, label, config_schema (unused: the value's shape follows value_type and op),
    handler (= to_q). `choices` are (value, label) pairs; `prepare(op, value)` replaces the
    generic value check; `load_facts` is set on one field per app (see module docs)."""

    group: Any = CONTACT_GROUP
    value_type: str = "text"
    operators: tuple[str, ...] = ()
    choices: tuple[tuple[str, Any], ...] = ()
    evaluate: Callable[[Facts, str, Any, dt.datetime], bool] | None = None
    prepare: Callable[[str, Any], Any] | None = None
    family: bool = False
    bind: Callable[[str], FieldSpec] | None = None
    check_member: Callable[[str], None] | None = None  # a family's: ValueError for an unknown name

    def to_q(self, op: str, prepared: Any, now: dt.datetime) -> Any:
        return self.handler(op, prepared, now)


FIELDS: Registry[FieldSpec] = Registry("filter field")
FACT_LOADERS: list[Callable[[list[int]], dict[int, dict[str, Any]]]] = []


def field(key: str, label: Any, *, to_q: Callable, evaluate: Callable, value_type: str = "text",
          operators: Iterable[str] | None = None, group: Any = CONTACT_GROUP, **extra: Any) -> FieldSpec:
    """Register a field; the operators default to those of its value type."""
    if value_type not in VALUE_TYPES:
        raise ValueError(f"unknown value type {value_type!r}")
    default = {"text": TEXT_OPS, "number": NUMBER_OPS, "date": DATE_OPS, "choice": CHOICE_OPS,
               "boolean": BOOLEAN_OPS, "list": LIST_OPS, "behaviour": ()}[value_type]
    ops = tuple(operators if operators is not None else default)
    for op in ops:
        OPERATORS.get(op)  # every operator comes from the shared registry
    spec = FieldSpec(key, label, {}, to_q, group=group, value_type=value_type, operators=ops,
                     evaluate=evaluate, **extra)
    return FIELDS.register(spec)


# The contacts a compilation is limited to (`matching_contacts(..., among=ids)`: the
# re-evaluation of the few an event touched), or None for everyone.
_SCOPE: ContextVar[tuple[int, ...] | None] = ContextVar("sarnakh_filter_scope", default=None)


def scope() -> tuple[int, ...] | None:
    """The contact ids the filter being compiled is limited to, or None. A field whose
    subquery over its own table would otherwise read every contact's rows (behaviour counted
    per contact, scores) correlates it with the outer contact instead (`contact_id =
    OuterRef("pk")`): the result is the same for these few contacts, and the database reads
    only their rows (SQLite does not push the outer `IN` into the subquery). Correlating,
    not repeating the ids, keeps the statement's parameters to one list however many
    conditions the filter has."""
    return _SCOPE.get()


@contextmanager
def scoped(ids: tuple[int, ...] | None) -> Iterator[None]:
    """Compiles within it are limited to `ids` (None: everyone); see `scope`."""
    token = _SCOPE.set(ids)
    try:
        yield
    finally:
        _SCOPE.reset(token)


def fact_loader(function: Callable[[list[int]], dict[int, dict[str, Any]]]):
    """Register an app's loader of plain facts for a list of contact ids (for evaluate)."""
    FACT_LOADERS.append(function)
    return function


def field_for(key: str, *, check: bool = False) -> FieldSpec:
    """The spec of `key`, a family member (`property:tier`) bound to its name; `check`
    asks the family whether the name exists (when a filter is parsed, not compiled)."""
    if key in FIELDS:
        spec = FIELDS.get(key)
        if not spec.family:
            return spec
        raise UnknownKey(f"field {key!r} needs a name after a colon")
    family, sep, member = key.partition(":")
    if sep and family in FIELDS and FIELDS.get(family).family:
        if not _MEMBER.match(member):
            raise UnknownKey(f"{member!r} is not a property name")
        spec = FIELDS.get(family)
        if check and spec.check_member is not None:
            try:
                spec.check_member(member)
            except ValueError as exc:
                raise UnknownKey(str(exc)) from None
        assert spec.bind is not None
        return replace(spec.bind(member), key=key, family=False)
    return FIELDS.get(key)


# ---------------------------------------------------------------- value checks by type


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("Enter some text."))
    return value.strip()


def _texts(value: Any, limit: int = MAX_LIST_ITEMS) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(_("Enter a list of one or more values."))
    if len(value) > limit:
        raise ValueError(_("Enter at most %(count)s values.") % {"count": limit})
    return tuple(_text(v) for v in value)


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(_("Enter a number."))
    return Decimal(str(value))


def _date(value: Any) -> dt.datetime:
    moment = as_datetime(value) if isinstance(value, str) else None
    if moment is None:
        raise ValueError(_("Enter a date as YYYY-MM-DD or an ISO 8601 date and time."))
    return moment


def _pair(value: Any, one: Callable[[Any], Any]) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(_("Enter two values: the lowest and the highest."))
    low, high = one(value[0]), one(value[1])
    if low > high:
        raise ValueError(_("The lowest value is above the highest."))
    return low, high


def _choice(spec: FieldSpec, value: Any) -> Any:
    allowed = {c for c, _label in spec.choices}
    if value not in allowed:
        raise ValueError(_("%(value)s is not one of the choices: %(choices)s")
                         % {"value": value, "choices": ", ".join(map(str, sorted(allowed)))})
    return value


def prepare_generic(spec: FieldSpec, op: str, value: Any) -> Any:
    kind = spec.value_type
    if not OPERATORS.get(op).takes_value:
        if value is not None:
            raise ValueError(_("This operator takes no value."))
        return None
    if op in ("in_last_days", "more_than_days_ago", "in_next_days"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(_("Enter a whole number of days."))
        return shared_prepare(op, value)
    if kind == "text":
        if op in ("in", "not_in"):
            return _texts(value)
        if op == "starts_with":
            return _texts(value, MAX_PREFIXES)
        return _text(value)
    if kind == "number":
        if op == "between":
            return _pair(value, _number)
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(_("Enter a list of one or more numbers."))
            return frozenset(_number(v) for v in value)
        return _number(value)
    if kind == "date":
        return _pair(value, _date) if op == "between" else _date(value)
    if kind == "choice":
        if op in ("in", "not_in"):
            if not isinstance(value, list) or not value:
                raise ValueError(_("Enter a list of one or more choices."))
            return frozenset(_choice(spec, v) for v in value)
        return _choice(spec, value)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError(_("Enter true or false."))
        return value
    if kind == "list":
        return frozenset(_texts(value))
    raise ValueError(f"no generic check for {kind!r} values")


_AS_TEXT = FieldSpec("json", "", {}, None, value_type="text")
_AS_NUMBER = FieldSpec("json", "", {}, None, value_type="number")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def as_floats(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(float(v) for v in value)
    if isinstance(value, frozenset):
        return frozenset(float(v) for v in value)
    return float(value)


def prepare_json(op: str, value: Any) -> tuple[str, Any]:
    """A condition on a JSON value (custom properties, event properties): ("n", float(s))
    for comparisons and for numeric values, ("t", text) otherwise."""
    if op in ("gt", "lt", "gte", "lte", "between"):
        return ("n", as_floats(prepare_generic(_AS_NUMBER, op, value)))
    values = value if isinstance(value, list) else [value]
    if op in ("eq", "ne", "in", "not_in") and values and all(_is_number(v) for v in values):
        return ("n", as_floats(prepare_generic(_AS_NUMBER, op, value)))
    return ("t", prepare_generic(_AS_TEXT, op, value))


class Catalog:
    """The registered fields as the tree parser sees them (tree.FieldCatalog)."""

    def prepare(self, key: str, op: str, value: Any) -> Any:
        try:
            spec = field_for(key, check=True)
        except UnknownKey as exc:
            detail = str(exc).strip("'\"") if ":" in key else ""
            message = gettext("Unknown field %(field)s.") % {"field": repr(key)}
            raise FilterError("field", f"{message} {detail}".strip()) from None
        if op not in spec.operators:
            if op not in OPERATORS:
                raise FilterError("op", gettext("Unknown operator %(op)s.") % {"op": repr(op)})
            raise FilterError("op", gettext("The operator %(op)s does not apply to %(field)s (%(type)s); use one of: %(ops)s.")
                              % {"op": repr(op), "field": repr(key), "type": spec.value_type, "ops": ", ".join(spec.operators)})
        try:
            return spec.prepare(op, value) if spec.prepare else prepare_generic(spec, op, value)
        except FilterError as exc:
            sub = exc.path if not exc.path or exc.path.startswith("[") else f".{exc.path}"
            raise FilterError(f"value{sub}", exc.message) from None
        except ValueError as exc:
            raise FilterError("value", str(exc)) from None


CATALOG = Catalog()
