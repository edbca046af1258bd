"""Conditions on one SQL expression, as Django Q objects that run on SQLite and PostgreSQL;
the Python twin of each is in core.filters.evaluate (they must agree row for row).

The expression is a column (`F("email")`, `F("company__name")`) or a JSON key's text or
number (`json_text`, `json_number`). A missing value (NULL, "") satisfies only `ne`,
`not_in` and `is_not_set`; negations therefore add "or it is missing" explicitly, since
SQL's NOT of NULL is NULL.
"""

from __future__ import annotations

import datetime as dt
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import CharField, F, FloatField, Func, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Lower
from django.db.models.lookups import (
    Exact,
    GreaterThan,
    GreaterThanOrEqual,
    IContains,
    In,
    IsNull,
    IStartsWith,
    LessThan,
    LessThanOrEqual,
)

from sarnakh.core.filters.evaluate import iso_date_bounds

NUMBER_PATTERN = r"^-?[0-9]+(\.[0-9]+)?$"
ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def expr(value: Any) -> Any:
    return F(value) if isinstance(value, str) else value


def json_text(column: str, key: str) -> Any:
    """The JSON value at `key` as text (strings unquoted, numbers as written)."""
    return KeyTextTransform(key, column)


class _JsonKeyValue(Func):
    """The JSON value at a property key of a column, read as each database spells it (the
    subclass's `sqlite` and `postgresql` templates); NULL where the value is not of the kind."""

    pattern = ""  # the one parameter: what a string must look like to count
    sqlite = postgresql = ""

    def __init__(self, column: str, key: str):
        super().__init__(F(column))
        self.key = key  # a property key: [a-z0-9_-], checked by the field registry

    def _sql(self, compiler, template: str):
        column, params = compiler.compile(self.source_expressions[0])
        sql = template.format(column=column, path=f"'$.\"{self.key}\"'", key=f"'{self.key}'")
        return sql, (*params * template.count("{column}"), self.pattern)

    def as_sqlite(self, compiler, connection, **extra):
        return self._sql(compiler, self.sqlite)

    def as_postgresql(self, compiler, connection, **extra):
        return self._sql(compiler, self.postgresql)


class _JsonNumber(_JsonKeyValue):
    """A JSON number, or a string that is a plain decimal number ("12", "-3.5"); NULL for
    anything else (text, booleans, objects)."""

    output_field = FloatField()
    pattern = NUMBER_PATTERN
    sqlite = ("(CASE WHEN json_type({column}, {path}) IN ('integer', 'real') "
              "THEN CAST(json_extract({column}, {path}) AS REAL) "
              "WHEN json_type({column}, {path}) = 'text' AND json_extract({column}, {path}) REGEXP %s "
              "THEN CAST(json_extract({column}, {path}) AS REAL) END)")
    postgresql = ("(CASE WHEN jsonb_typeof({column} -> {key}) = 'number' THEN ({column} ->> {key})::float8 "
                  "WHEN jsonb_typeof({column} -> {key}) = 'string' AND ({column} ->> {key}) ~ %s "
                  "THEN ({column} ->> {key})::float8 END)")


def json_number(column: str, key: str) -> Any:
    return _JsonNumber(column, key)


class _JsonIsoDate(_JsonKeyValue):
    """A "YYYY-MM-DD" string as it is; NULL for anything else (date properties are stored
    so; ISO days compare as text in date order)."""

    output_field = CharField()
    pattern = ISO_DATE_PATTERN
    sqlite = ("(CASE WHEN json_type({column}, {path}) = 'text' AND json_extract({column}, {path}) REGEXP %s "
              "THEN json_extract({column}, {path}) END)")
    postgresql = ("(CASE WHEN jsonb_typeof({column} -> {key}) = 'string' AND ({column} ->> {key}) ~ %s "
                  "THEN ({column} ->> {key}) END)")


def json_iso_date(column: str, key: str) -> Any:
    return _JsonIsoDate(column, key)


_DAY_LOOKUPS = {"<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual}


def iso_date_q(target: Any, op: str, prepared: Any, now: dt.datetime) -> Q:
    """A date condition on a day stored as ISO text (core.filters.evaluate.iso_date_bounds)."""
    target = expr(target)
    if op == "is_set":
        return Q(IsNull(target, False))
    if op == "is_not_set":
        return Q(IsNull(target, True))
    q = Q()
    for cmp, day in iso_date_bounds(op, prepared, now):
        q &= Q(_DAY_LOOKUPS[cmp](target, day))
    return _known(q, target)


def _known(q: Q, target: Any) -> Q:
    """A positive test that is false, never NULL, on a missing value: NOT of it is then
    true there, as in Python (SQL's NOT NULL is NULL)."""
    return q & Q(IsNull(target, False))


def _missing(target: Any) -> Q:
    return Q(IsNull(target, True)) | Q(Exact(target, ""))


def _present(target: Any) -> Q:
    return Q(IsNull(target, False)) & ~Q(Exact(target, ""))


def text_q(target: Any, op: str, prepared: Any) -> Q:
    target = expr(target)
    lowered = Lower(target)
    if op == "is_set":
        return _present(target)
    if op == "is_not_set":
        return _missing(target)
    if op == "eq":
        return _known(Q(Exact(lowered, prepared.lower())), target)
    if op == "ne":
        return ~Q(Exact(lowered, prepared.lower())) | _missing(target)
    if op == "in":
        return _known(Q(In(lowered, sorted({p.lower() for p in prepared}))), target)
    if op == "not_in":
        return ~Q(In(lowered, sorted({p.lower() for p in prepared}))) | _missing(target)
    if op == "contains":
        return _known(Q(IContains(target, prepared)), target)
    if op == "starts_with":
        return _known(reduce(or_, (Q(IStartsWith(target, p)) for p in prepared)), target)
    raise ValueError(f"operator {op!r} on text")


def exact_q(target: Any, op: str, prepared: Any, *, blank: Any = "") -> Q:
    """Choices and booleans, compared as stored; `blank` is the stored "no value"."""
    target = expr(target)
    missing = Q(IsNull(target, True)) | (Q(Exact(target, blank)) if blank is not None else Q(pk__in=[]))
    if op == "is_set":
        return ~missing
    if op == "is_not_set":
        return missing
    if op == "eq":
        return _known(Q(Exact(target, prepared)), target)
    if op == "ne":
        return ~Q(Exact(target, prepared)) | missing
    if op == "in":
        return _known(Q(In(target, sorted(prepared))), target)
    if op == "not_in":
        return ~Q(In(target, sorted(prepared))) | missing
    raise ValueError(f"operator {op!r} on a choice")


def number_q(target: Any, op: str, prepared: Any) -> Q:
    target = expr(target)
    if op == "is_set":
        return Q(IsNull(target, False))
    if op == "is_not_set":
        return Q(IsNull(target, True))
    if op == "between":
        return _known(Q(GreaterThanOrEqual(target, prepared[0])) & Q(LessThanOrEqual(target, prepared[1])), target)
    if op in ("in", "not_in"):
        found = _known(Q(In(target, sorted(prepared))), target)
        return found if op == "in" else ~found | Q(IsNull(target, True))
    lookup = {"eq": Exact, "ne": Exact, "gt": GreaterThan, "lt": LessThan,
              "gte": GreaterThanOrEqual, "lte": LessThanOrEqual}[op]
    found = _known(Q(lookup(target, prepared)), target)
    return ~found | Q(IsNull(target, True)) if op == "ne" else found


def float_number_q(target: Any, op: str, prepared: Any) -> Q:
    """number_q for a float expression (JSON numbers): values compared as floats."""
    if isinstance(prepared, tuple):
        prepared = tuple(float(p) for p in prepared)
    elif isinstance(prepared, frozenset):
        prepared = frozenset(float(p) for p in prepared)
    elif prepared is not None:
        prepared = float(prepared)
    return number_q(target, op, prepared)


def json_q(column: str, key: str, op: str, prepared: tuple[str, Any] | None) -> Q:
    """A condition prepared by fields.prepare_json on the JSON value at `key` of `column`."""
    kind, value = prepared or ("t", None)
    if kind == "n":
        return float_number_q(json_number(column, key), op, value)
    return text_q(json_text(column, key), op, value)


def window(op: str, prepared: Any, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None, bool]:
    """(low, high, high_inclusive) of a date condition: None is unbounded."""
    if op == "in_last_days":
        return now - dt.timedelta(days=prepared), now, True
    if op == "in_next_days":
        return now, now + dt.timedelta(days=prepared), True
    if op == "more_than_days_ago":
        return None, now - dt.timedelta(days=prepared), False
    raise ValueError(op)


def date_q(target: Any, op: str, prepared: Any, now: dt.datetime) -> Q:
    target = expr(target)
    if op == "is_set":
        return Q(IsNull(target, False))
    if op == "is_not_set":
        return Q(IsNull(target, True))
    if op in ("in_last_days", "in_next_days", "more_than_days_ago"):
        low, high, inclusive = window(op, prepared, now)
        q = Q(LessThanOrEqual(target, high)) if inclusive else Q(LessThan(target, high))
        return _known(q & Q(GreaterThanOrEqual(target, low)) if low is not None else q, target)
    if op == "between":
        return _known(Q(GreaterThanOrEqual(target, prepared[0])) & Q(LessThanOrEqual(target, prepared[1])), target)
    lookup = {"gt": GreaterThan, "lt": LessThan, "gte": GreaterThanOrEqual, "lte": LessThanOrEqual}[op]
    return _known(Q(lookup(target, prepared)), target)


def date_filter(field: str, op: str, prepared: Any, now: dt.datetime) -> dict[str, Any]:
    """The same window as keyword lookups on `field` (for subqueries over other tables)."""
    if op in ("in_last_days", "in_next_days", "more_than_days_ago"):
        low, high, inclusive = window(op, prepared, now)
        kwargs = {f"{field}__lte" if inclusive else f"{field}__lt": high}
        if low is not None:
            kwargs[f"{field}__gte"] = low
        return kwargs
    if op == "between":
        return {f"{field}__gte": prepared[0], f"{field}__lte": prepared[1]}
    return {f"{field}__{op}": prepared}


__all__ = ["json_q", "date_filter", "date_q", "exact_q", "expr", "float_number_q", "json_number",
           "json_text", "number_q", "text_q", "window"]
