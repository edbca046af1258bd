"""The pure scoring engine: model specs, condition operators, fit, engagement with caps
and decay, grades and qualification. No ORM: callers pass plain facts and a `now`."""

from sarnakh.scoring.engine.conditions import EMPLOYEE_BANDS, OPERATORS, REVENUE_BANDS, OperatorSpec
from sarnakh.scoring.engine.defaults import DEFAULT_MODEL_KEY, default_model, default_model_dict
from sarnakh.scoring.engine.engagement import decay_factor, rule_matches, score_engagement
from sarnakh.scoring.engine.facts import CompanyFacts, EventFacts, PersonFacts
from sarnakh.scoring.engine.fit import score_fit
from sarnakh.scoring.engine.qualification import (
    GRADES,
    QUALIFICATION_KINDS,
    crossed,
    grade_for,
    qualifies,
)
from sarnakh.scoring.engine.result import BreakdownItem, ScoreResult
from sarnakh.scoring.engine.score import score_contact
from sarnakh.scoring.engine.spec import (
    Condition,
    EngagementRule,
    FitRule,
    ModelSpec,
    PeriodCap,
    Qualification,
    SpecError,
)

__all__ = [
    "BreakdownItem",
    "CompanyFacts",
    "Condition",
    "DEFAULT_MODEL_KEY",
    "EMPLOYEE_BANDS",
    "EngagementRule",
    "EventFacts",
    "FitRule",
    "GRADES",
    "ModelSpec",
    "OPERATORS",
    "OperatorSpec",
    "PeriodCap",
    "PersonFacts",
    "QUALIFICATION_KINDS",
    "Qualification",
    "REVENUE_BANDS",
    "ScoreResult",
    "SpecError",
    "crossed",
    "decay_factor",
    "default_model",
    "default_model_dict",
    "grade_for",
    "qualifies",
    "rule_matches",
    "score_contact",
    "score_engagement",
    "score_fit",
]
