"""The filter language's compiler: a validated tree → one Django Q over contacts.Contact
(SQLite and PostgreSQL), and the same tree decided in Python over plain facts.

Each condition is compiled by its field (core.filters.fields, registered by the app that
owns the data); this module only joins them with AND / OR / NOT. Contacts are reached by
the app registry (`apps.get_model`), not imported: core sits below the apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import reduce
from operator import and_, or_
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from sarnakh.core import clock
from sarnakh.core.filters import tree as tree_module
from sarnakh.core.filters.fields import CATALOG, FACT_LOADERS, field_for, scoped
from sarnakh.core.filters.tree import Condition, FilterError, Group

__all__ = ["FilterError", "compile_filter", "evaluate", "load_facts", "matching_contacts", "parse_filter"]

_NOBODY = Q(pk__in=[])


def parse_filter(data: Any) -> Group:
    """The validated tree of a JSON filter (FilterError names the node at fault)."""
    return tree_module.parse(data, CATALOG)


def _tree(value: Group | dict) -> Group:
    return value if isinstance(value, Group) else parse_filter(value)


def _both(parts: list[Q]) -> Q:
    if any(p is _NOBODY for p in parts):
        return _NOBODY
    return reduce(and_, parts, Q())


def _either(parts: list[Q]) -> Q:
    parts = [p for p in parts if p is not _NOBODY]
    if not parts:
        return _NOBODY
    if any(not p.children for p in parts):  # an empty AND: everyone
        return Q()
    return reduce(or_, parts)


def _negate(q: Q) -> Q:
    if q is _NOBODY:
        return Q()
    if not q.children:
        return _NOBODY
    return ~q


def compile_filter(tree: Group | dict, now: dt.datetime | None = None, *, among: Iterable[int] | None = None) -> Q:
    """One Q over Contact; relative dates and windows are decided against `now`. With
    `among`, the Q is only right for those contacts (the caller keeps to them): subqueries
    read their rows alone (fields.scope)."""
    moment = now or clock.now()

    def leaf(condition: Condition) -> Q:
        return field_for(condition.field).to_q(condition.op, condition.prepared, moment)

    with scoped(None if among is None else tuple(among)):
        return tree_module.fold(_tree(tree), leaf, _both, _either, _negate)


def matching_contacts(tree: Group | dict, now: dt.datetime | None = None, *, among: Iterable[int] | None = None) -> QuerySet:
    """The live contacts (not merged into another) the filter matches; with `among`, those
    of these ids it matches (the re-evaluation of a few contacts reads only their rows)."""
    contact = apps.get_model("contacts", "Contact")
    ids = None if among is None else sorted({int(cid) for cid in among})
    query = compile_filter(tree, now, among=ids)
    if query is _NOBODY:
        return contact.objects.none()
    people = contact.objects.filter(merged_into__isnull=True)
    if ids is not None:
        people = people.filter(pk__in=ids)
    return people.filter(query)


def evaluate(tree: Group | dict, facts: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """The filter decided in Python over one contact's facts (`load_facts`)."""
    moment = now or clock.now()

    def leaf(condition: Condition) -> bool:
        spec = field_for(condition.field)
        assert spec.evaluate is not None
        return spec.evaluate(facts, condition.op, condition.prepared, moment)

    return tree_module.fold(_tree(tree), leaf, all, any, lambda value: not value)


def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Every app's plain facts for these contacts, merged per contact (for `evaluate`)."""
    facts: dict[int, dict[str, Any]] = {cid: {} for cid in contact_ids}
    for loader in FACT_LOADERS:
        for cid, part in loader(contact_ids).items():
            facts.setdefault(cid, {}).update(part)
    return facts
