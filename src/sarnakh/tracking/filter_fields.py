"""What filters can test on tracked behaviour (core.filters.fields): page views, custom
events (with a condition on one of their properties) and form submissions, counted in a
window ("at least 2 times in the last 14 days"); first and last touch channel and the last
visit's UTM campaign. Bot traffic never counts.

A behaviour condition's value: {"times": N, "days": D, …} with `at_least` / `fewer_than`;
without "days" every recorded event counts. The window is now − D days ≤ t ≤ now, as for
`in_last_days`. `fewer_than 1` is "never" ("no pricing visit in 90 days").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, Lookup, OuterRef, Q, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.conditions import MAX_DAYS
from sarnakh.core.filters import evaluate as py
from sarnakh.core.filters import sql
from sarnakh.core.filters.fields import JSON_OPS, OPERATORS, fact_loader, field, prepare_json, scope
from sarnakh.core.filters.tree import FilterError
from sarnakh.core.lead_source import Channel
from sarnakh.tracking.models import Event, Session

BEHAVIOUR = _("Behaviour")
COUNT_OPS = ("at_least", "fewer_than")
FORM_SUBMITTED = "form_submitted"
_REGEX_SPECIAL = set(".^$*+?()[]{}|\\")


def glob_regex(glob: str) -> str:
    """A path pattern (`*` any run, `?` one character) as an anchored regular expression
    that PostgreSQL and Python read alike."""
    out = []
    for char in glob:
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append("\\" + char if char in _REGEX_SPECIAL else char)
    return "^" + "".join(out) + "$"


# ASCII characters that Python's case-insensitive matching also pairs with a non-ASCII one
# (İ ı ſ K): SQLite's LIKE folds ASCII only, so a prefilter leaves them open.
_FOLDS_BEYOND_ASCII = set("iksIKS")


def glob_like(glob: str) -> str:
    """A LIKE pattern (escape `\\`) that every path the glob matches also matches, case-
    insensitively as SQLite's LIKE folds (ASCII): a cheap prefilter in front of the regex,
    which stays the decision. Characters LIKE cannot fold as Python does become `_`, and the
    end stays open (`$` in Python also matches before a final newline)."""
    out = []
    for char in glob:
        if char == "*":
            out.append("%")
        elif char == "?" or not char.isascii() or char in _FOLDS_BEYOND_ASCII:
            out.append("_")
        else:
            out.append("\\" + char if char in "%_\\" else char)
    if not out or out[-1] != "%":
        out.append("%")
    return "".join(out)


class _Like(Lookup):
    """`lhs LIKE rhs ESCAPE '\\'` (case-insensitive for ASCII on SQLite)."""

    lookup_name = "sarnakh_like"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]


@dataclass(frozen=True)
class Behaviour:
    times: int
    days: int | None = None
    path: str | None = None  # an anchored regex (from the glob)
    path_like: str | None = None  # a LIKE prefilter that every match passes (glob_like)
    name: str | None = None
    form: str | None = None
    prop_key: str | None = None
    prop_op: str | None = None
    prop: Any = None


def _int(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise FilterError(key, gettext("Enter a whole number from %(low)s to %(high)s.") % {"low": low, "high": high})
    return value


def _text(data: dict, key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise FilterError(key, gettext("Enter some text."))
    return value.strip()


def _behaviour_prepare(allowed: set[str]):
    def prepare(op: str, value: Any) -> Behaviour:
        if not isinstance(value, dict):
            raise ValueError(_('Enter {"times": N, "days": D, …}.'))
        unknown = set(value) - allowed - {"times", "days"}
        if unknown:
            raise FilterError(sorted(unknown)[0], gettext("Unknown key; expected: %(keys)s.") % {"keys": ", ".join(sorted(allowed | {"times", "days"}))})
        times = _int(value.get("times", 1), "times", 0, 1_000_000)
        OPERATORS.get(op).prepare(times)
        days = None if value.get("days") is None else _int(value["days"], "days", 0, MAX_DAYS)
        path = _text(value, "path")
        found = {"times": times, "days": days, "path": glob_regex(path) if path else None,
                 "path_like": glob_like(path) if path else None,
                 "name": _text(value, "name", required="name" in allowed), "form": _text(value, "form")}
        condition = value.get("property")
        if condition is not None:
            if not isinstance(condition, dict) or set(condition) - {"key", "op", "value"}:
                raise FilterError("property", gettext('Enter {"key": …, "op": …, "value": …}.'))
            key, prop_op = condition.get("key"), condition.get("op")
            if not isinstance(key, str) or not re.match(r"^[A-Za-z0-9_.-]{1,64}$", key):
                raise FilterError("property.key", gettext("Enter a property name."))
            if prop_op not in JSON_OPS:
                raise FilterError("property.op", gettext("Unknown operator %(op)s; use one of: %(ops)s.") % {"op": repr(prop_op), "ops": ", ".join(JSON_OPS)})
            try:
                found.update(prop_key=key, prop_op=prop_op, prop=prepare_json(prop_op, condition.get("value")))
            except ValueError as exc:
                raise FilterError("property.value", str(exc)) from None
        return Behaviour(**{k: v for k, v in found.items() if k in Behaviour.__dataclass_fields__})

    return prepare


def _events(kind: str, b: Behaviour, now: dt.datetime):
    events = Event.objects.filter(contact__isnull=False, is_bot=False, type=kind)
    if scope() is not None:  # a few contacts re-evaluated: each one's rows, by (contact, occurred_at)
        events = events.filter(contact_id=OuterRef("pk"))
    if b.days is not None:
        events = events.filter(occurred_at__gte=now - dt.timedelta(days=b.days), occurred_at__lte=now)
    if b.path:
        if connection.vendor == "sqlite" and b.path_like:
            # SQLite runs REGEXP as a Python call per row; LIKE first spares the rows it rules out.
            events = events.filter(_Like(F("path"), b.path_like))
        events = events.filter(path__iregex=b.path)
    if b.name:
        events = events.filter(name__iexact=b.name)
    if b.form:
        events = events.filter(properties__form=b.form)
    if b.prop_key:
        events = events.filter(sql.json_q("properties", b.prop_key, b.prop_op, b.prop))
    return events


def _count_q(kind: str):
    def to_q(op: str, b: Behaviour, now: dt.datetime) -> Q:
        if b.times == 0:
            return Q() if op == "at_least" else Q(pk__in=[])
        events = _events(kind, b, now)
        if b.times == 1:
            ids = events.values("contact_id")
        else:
            ids = events.values("contact_id").annotate(n=Count("id")).filter(n__gte=b.times).values("contact_id")
        found = Q(pk__in=ids)
        return found if op == "at_least" else ~found
    return to_q


def _count_eval(kind: str):
    def evaluate(facts: dict, op: str, b: Behaviour, now: dt.datetime) -> bool:
        count = 0
        for e in facts["events"]:
            if e["type"] != kind:
                continue
            if b.days is not None and not now - dt.timedelta(days=b.days) <= e["occurred_at"] <= now:
                continue
            if b.path and not re.match(b.path, e["path"], re.IGNORECASE | re.DOTALL):
                continue
            if b.name and e["name"].lower() != b.name.lower():
                continue
            if b.form and (e["properties"] or {}).get("form") != b.form:
                continue
            if b.prop_key and not py.json_value(b.prop_op, b.prop, (e["properties"] or {}).get(b.prop_key)):
                continue
            count += 1
        return count >= b.times if op == "at_least" else count < b.times
    return evaluate


field("page_views", _("Viewed pages"), group=BEHAVIOUR, value_type="behaviour", operators=COUNT_OPS,
      prepare=_behaviour_prepare({"path"}), to_q=_count_q(Event.Type.PAGE_VIEW),
      evaluate=_count_eval(Event.Type.PAGE_VIEW))
field("custom_event", _("Performed an event"), group=BEHAVIOUR, value_type="behaviour", operators=COUNT_OPS,
      prepare=_behaviour_prepare({"name", "property"}), to_q=_count_q(Event.Type.TRACK),
      evaluate=_count_eval(Event.Type.TRACK))


def _form_prepare(op: str, value: Any) -> Behaviour:
    b = _behaviour_prepare({"form"})(op, value)
    return Behaviour(times=b.times, days=b.days, form=b.form, name=FORM_SUBMITTED)


field("form_submitted", _("Submitted a form"), group=BEHAVIOUR, value_type="behaviour", operators=COUNT_OPS,
      prepare=_form_prepare, to_q=_count_q(Event.Type.TRACK), evaluate=_count_eval(Event.Type.TRACK))


# ---------------------------------------------------------------- touches


def _touch(column: str, first: bool) -> Subquery:
    order = ("started_at", "id") if first else ("-started_at", "-id")
    sessions = Session.objects.filter(contact_id=OuterRef("pk"), is_bot=False).order_by(*order)
    return Subquery(sessions.values(column)[:1])


for key, label, first in (("first_touch_channel", _("First touch channel"), True),
                          ("last_touch_channel", _("Last touch channel"), False)):
    field(key, label, group=BEHAVIOUR, value_type="choice", choices=tuple(Channel.choices),
          to_q=(lambda target: lambda op, p, now: sql.exact_q(target, op, p))(_touch("channel", first)),
          evaluate=(lambda name: lambda facts, op, p, now: py.exact(op, p, facts[name]))(key))

field("last_touch_utm_campaign", _("Last visit's UTM campaign"), group=BEHAVIOUR,
      to_q=lambda op, p, now: sql.text_q(_touch("utm_campaign", False), op, p),
      evaluate=lambda facts, op, p, now: py.text(op, p, facts["last_touch_utm_campaign"]))


@fact_loader
def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {
        cid: {"events": [], "first_touch_channel": None, "last_touch_channel": None, "last_touch_utm_campaign": None}
        for cid in contact_ids
    }
    for row in Event.objects.filter(contact_id__in=contact_ids, is_bot=False).values(
            "contact_id", "type", "name", "path", "occurred_at", "properties"):
        facts[row.pop("contact_id")]["events"].append(row)
    sessions = Session.objects.filter(contact_id__in=contact_ids, is_bot=False).order_by("started_at", "id")
    for cid, channel, campaign in sessions.values_list("contact_id", "channel", "utm_campaign"):
        fact = facts[cid]
        if fact["first_touch_channel"] is None:
            fact["first_touch_channel"] = channel
        fact["last_touch_channel"], fact["last_touch_utm_campaign"] = channel, campaign
    return facts
