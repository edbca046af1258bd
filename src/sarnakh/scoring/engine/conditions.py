"""The condition operators scoring rules use: the shared registry (sarnakh.core.conditions)
without the filter-only ones (relative dates, behaviour counts), since a rule is decided
from one fact alone. Same operator objects, same code; only the view differs."""

from __future__ import annotations

from typing import Any

from sarnakh.core.conditions import operators as _shared
from sarnakh.core.conditions.operators import (
    EMPLOYEE_BANDS,
    MAX_PATTERN_LENGTH,
    REVENUE_BANDS,
    YES_WORDS,
    OperatorSpec,
)
from sarnakh.core.registry import Registry

OPERATORS: Registry[OperatorSpec] = Registry("condition operator")
for _spec in _shared.OPERATORS:
    if not _spec.filter_only:
        OPERATORS.register(_spec)


def prepare(op: str, value: Any) -> Any:
    """The comparable form of `value` for operator `op`; raises UnknownKey or ValueError."""
    return OPERATORS.get(op).prepare(value)


def holds(op: str, prepared: Any, actual: Any) -> bool:
    OPERATORS.get(op)  # unknown here (a filter-only operator) raises as before
    return _shared.holds(op, prepared, actual)


__all__ = [
    "EMPLOYEE_BANDS",
    "MAX_PATTERN_LENGTH",
    "OPERATORS",
    "REVENUE_BANDS",
    "YES_WORDS",
    "OperatorSpec",
    "holds",
    "prepare",
]
