"""`score_contact`: fit, engagement, grade and qualification of one person at `now`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from sarnakh.scoring.engine.engagement import score_engagement
from sarnakh.scoring.engine.facts import EventFacts, PersonFacts
from sarnakh.scoring.engine.fit import score_fit
from sarnakh.scoring.engine.qualification import grade_for, qualifies
from sarnakh.scoring.engine.result import ZERO, ScoreResult
from sarnakh.scoring.engine.spec import ModelSpec


def score_contact(
    model: ModelSpec,
    person: PersonFacts,
    events: Iterable[EventFacts],
    now: dt.datetime,
    *,
    tz: dt.tzinfo = dt.UTC,
    include_capped: bool = True,
) -> ScoreResult:
    """Score from scratch: the result depends only on the arguments (not on event order),
    so a re-score after a rule change equals scoring the history anew."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    fit_items = score_fit(model, person)
    engagement_items = score_engagement(model, events, now, tz=tz, include_capped=include_capped)
    fit = sum((item.points for item in fit_items), ZERO)
    engagement = sum((item.points for item in engagement_items), ZERO)
    high = sum((item.points for item in engagement_items if item.intent == "high"), ZERO)
    result = ScoreResult(
        model=model.key,
        computed_at=now,
        fit=fit,
        engagement=engagement,
        score=fit + engagement,
        grade=grade_for(fit, model.grade_cutoffs),
        qualified=False,
        engagement_high=high,
        engagement_low=engagement - high,
        breakdown=tuple(fit_items + engagement_items),
    )
    return replace(result, qualified=qualifies(result, model.qualification))
