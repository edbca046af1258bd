"""What filters can test on scores (core.filters.fields): the default model's fit grade
("at least B": A > B > C > D), fit, engagement, combined score and qualified (MQL), and
the predictive probability of the newest predictive model that scored the contact.

A contact with no score row has no value: it satisfies only the negative operators."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from sarnakh.core.filters import evaluate as py
from sarnakh.core.filters import sql
from sarnakh.core.filters.fields import NUMBER_OPS, as_floats, fact_loader, field, scope
from sarnakh.scoring.engine.qualification import GRADES
from sarnakh.scoring.models import ContactPrediction, ContactScore

SCORES = _("Scores")
GRADE_OPS = ("eq", "ne", "in", "not_in", "gte", "lte", "is_set", "is_not_set")


def _default_scores():
    scores = ContactScore.objects.filter(model__is_default=True)
    # A few contacts re-evaluated: each one's row by (contact, model), not a scan of every score.
    return scores if scope() is None else scores.filter(contact_id=OuterRef("pk"))


def _grade_prepare(op: str, value: Any) -> Any:
    if op in ("is_set", "is_not_set"):
        if value is not None:
            raise ValueError(_("This operator takes no value."))
        return None
    values = value if op in ("in", "not_in") else [value]
    if not isinstance(values, list) or not values or any(v not in GRADES for v in values):
        raise ValueError(_("Enter grades: %(grades)s") % {"grades": ", ".join(GRADES)})
    if op in ("gte", "lte"):  # "at least B" is A or B: GRADES runs best first
        at = GRADES.index(values[0])
        return frozenset(GRADES[: at + 1] if op == "gte" else GRADES[at:])
    return values[0] if op in ("eq", "ne") else frozenset(values)


def _grade_q(op: str, prepared: Any, now: dt.datetime) -> Q:
    scored = _default_scores()
    if op in ("is_set", "is_not_set"):
        found = Q(pk__in=scored.values("contact_id"))
        return found if op == "is_set" else ~found
    wanted = {prepared} if op in ("eq", "ne") else prepared
    found = Q(pk__in=scored.filter(grade__in=sorted(wanted)).values("contact_id"))
    return ~found if op in ("ne", "not_in") else found


def _grade_eval(facts: dict, op: str, prepared: Any, now: dt.datetime) -> bool:
    return py.exact({"gte": "in", "lte": "in"}.get(op, op), prepared, (facts["score"] or {}).get("grade"))


field("grade", _("Fit grade"), group=SCORES, value_type="choice", choices=tuple((g, g) for g in GRADES),
      operators=GRADE_OPS, prepare=_grade_prepare, to_q=_grade_q, evaluate=_grade_eval)


def _score_column(column: str) -> dict[str, Any]:
    target = Subquery(_default_scores().filter(contact_id=OuterRef("pk")).values(column)[:1])
    return {
        "to_q": lambda op, p, now: sql.number_q(target, op, p),
        "evaluate": lambda facts, op, p, now: py.number(op, p, (facts["score"] or {}).get(column)),
    }


for key, label in (("fit", _("Fit score")), ("engagement", _("Engagement score")), ("score", _("Combined score"))):
    field(key, label, group=SCORES, value_type="number", operators=NUMBER_OPS, **_score_column(key))


def _qualified_q(op: str, prepared: bool, now: dt.datetime) -> Q:
    return Q(pk__in=_default_scores().filter(qualified=prepared).values("contact_id"))


field("qualified", _("Marketing-qualified (MQL)"), group=SCORES, value_type="boolean", to_q=_qualified_q,
      evaluate=lambda facts, op, p, now: facts["score"] is not None and facts["score"]["qualified"] is p)


_PROBABILITY = Subquery(
    ContactPrediction.objects.filter(contact_id=OuterRef("pk")).order_by("-model_id").values("probability")[:1]
)
field("predictive_probability", _("Predicted probability"), group=SCORES, value_type="number",
      operators=NUMBER_OPS,
      to_q=lambda op, p, now: sql.float_number_q(_PROBABILITY, op, p),
      evaluate=lambda facts, op, p, now: py.floats(op, None if p is None else as_floats(p), facts["probability"]))


@fact_loader
def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {cid: {"score": None, "probability": None} for cid in contact_ids}
    for row in _default_scores().filter(contact_id__in=contact_ids).values(
            "contact_id", "grade", "fit", "engagement", "score", "qualified"):
        facts[row.pop("contact_id")]["score"] = row
    for row in ContactPrediction.objects.filter(contact_id__in=contact_ids).order_by("model_id").values(
            "contact_id", "probability"):
        facts[row["contact_id"]]["probability"] = row["probability"]  # the newest model's last
    return facts
