"""Grades and qualification kinds (registered: a new kind of bar is a new entry, not an if)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from sarnakh.core.registry import Registry, Spec

GRADES = ("A", "B", "C", "D")  # best first; D is what falls below every cut-off


def grade_for(fit: Decimal, cutoffs: Mapping[str, Any]) -> str:
    """The best grade whose cut-off the fit points reach (fit ≥ cut-off), else D."""
    for grade in GRADES[:-1]:
        if fit >= Decimal(str(cutoffs[grade])):
            return grade
    return GRADES[-1]


def grade_at_least(grade: str, minimum: str) -> bool:
    return GRADES.index(grade) <= GRADES.index(minimum)


def _grade_and_engagement(result: Any, qualification: Any) -> bool:
    return grade_at_least(result.grade, qualification.min_grade) and result.engagement >= Decimal(
        str(qualification.min_engagement)
    )


def _combined(result: Any, qualification: Any) -> bool:
    return result.score >= Decimal(str(qualification.min_combined))


QUALIFICATION_KINDS: Registry[Spec] = Registry("qualification kind")
QUALIFICATION_KINDS.register(
    Spec(
        "grade_and_engagement",
        _("grade at least … and engagement at least …"),
        {"min_grade": {"enum": list(GRADES)}, "min_engagement": {"type": "number"}},
        _grade_and_engagement,
    )
)
QUALIFICATION_KINDS.register(
    Spec("combined", _("combined score at least …"), {"min_combined": {"type": "number"}}, _combined)
)


def qualifies(result: Any, qualification: Any) -> bool:
    """Whether a score result (grade, engagement, score) clears the model's bar."""
    return QUALIFICATION_KINDS.get(qualification.kind).handler(result, qualification)


def crossed(previous: bool, now: bool) -> bool:
    """A crossing is reported once: only when the contact did not qualify before."""
    return now and not previous
