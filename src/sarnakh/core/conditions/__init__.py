"""Condition operators shared by the scoring engine and the filter language (pure, no ORM)."""

from sarnakh.core.conditions.operators import (
    EMPLOYEE_BANDS,
    MAX_DAYS,
    OPERATORS,
    REVENUE_BANDS,
    OperatorSpec,
    as_datetime,
    holds,
    prepare,
)

__all__ = [
    "EMPLOYEE_BANDS",
    "MAX_DAYS",
    "OPERATORS",
    "REVENUE_BANDS",
    "OperatorSpec",
    "as_datetime",
    "holds",
    "prepare",
]
