"""Score results and their breakdown, in exact hundredths.

Every item's points are rounded once to two decimals (half away from zero) and a
dimension's total is defined as the sum of its rounded items, so the explanation adds up
to the score exactly, in Decimal and in the JSON built from it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(value: Decimal | int | float) -> Decimal:
    return Decimal(str(value) if not isinstance(value, Decimal) else value).quantize(CENT, ROUND_HALF_UP)


def number(value: Decimal) -> int | float:
    """A JSON number for a Decimal in hundredths (integers stay integers)."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class BreakdownItem:
    rule: str
    label: str
    dimension: str  # "fit" | "engagement"
    points: Decimal  # after decay, rounded to hundredths
    raw_points: Decimal  # before decay; less than the rule's points when a cap cut it
    source: str  # "property:job_title", "event:123"
    at: dt.datetime | None = None
    intent: str | None = None
    capped: str | None = None  # which cap cut this event (raw_points 0 when cut entirely)
    future: bool = False  # event time after `now`: counted undecayed

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "label": self.label,
            "dimension": self.dimension,
            "points": number(self.points),
            "raw_points": number(self.raw_points),
            "source": self.source,
            "at": self.at.isoformat() if self.at else None,
            "intent": self.intent,
            "capped": self.capped,
            "future": self.future,
        }


@dataclass(frozen=True)
class ScoreResult:
    model: str
    computed_at: dt.datetime
    fit: Decimal
    engagement: Decimal
    score: Decimal
    grade: str
    qualified: bool
    engagement_high: Decimal
    engagement_low: Decimal
    breakdown: tuple[BreakdownItem, ...]

    @property
    def has_future_events(self) -> bool:
        return any(item.future for item in self.breakdown)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "computed_at": self.computed_at.isoformat(),
            "fit": number(self.fit),
            "grade": self.grade,
            "engagement": number(self.engagement),
            "score": number(self.score),
            "qualified": self.qualified,
            "engagement_by_intent": {"high": number(self.engagement_high), "low": number(self.engagement_low)},
            "breakdown": [item.to_dict() for item in self.breakdown],
        }
