"""Engagement: events through the rules, caps in time order, then exact decay.

For each rule its matching events are walked in (time, id) order and an event counts only
if every cap still has room, judged on the events counted before it:
- `max_total`: the first N counted events;
- `max_per_day`: N per calendar day in `tz` (UTC unless the caller passes the account's);
- `max_points_per_period` (P, D): at most P raw points (absolute value, before decay) from
  counted events in the window (at − D days, at]; an event that would overflow it counts
  for the room left (a partial cut) and an event with no room left counts for nothing.
Checking the caps against counted events (not against every matching event) means an
event refused by the per-day cap does not use up the total.

Decay: points × 0.5 ** (age / half-life), half-life the rule's or else the model's; a
half-life of 0 means no decay. Negative points decay the same way. An event later than
`now` is counted undecayed and flagged `future`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from decimal import Decimal

from sarnakh.scoring.engine.facts import EVENT_TYPES, EventFacts
from sarnakh.scoring.engine.result import ZERO, BreakdownItem, cents
from sarnakh.scoring.engine.spec import EngagementRule, ModelSpec

SECONDS_PER_DAY = 86_400


def decay_factor(at: dt.datetime, now: dt.datetime, half_life_days: float) -> float:
    """The share of an event's points left at `now`; 1 for no decay or a future event."""
    age = (now - at).total_seconds()
    if not half_life_days or age <= 0:
        return 1.0
    return 0.5 ** (age / (half_life_days * SECONDS_PER_DAY))


def rule_matches(rule: EngagementRule, event: EventFacts) -> bool:
    if event.type not in EVENT_TYPES:
        return False
    if rule.event_type != "any" and event.type != rule.event_type:
        return False
    if rule.event_name is not None and event.name.casefold() != rule.event_name.casefold():
        return False
    return all(condition.holds(event) for condition in rule.conditions)


def cap_walk(rule: EngagementRule, moments: Iterable[dt.datetime], tz: dt.tzinfo) -> Iterator[tuple[Decimal, str | None]]:
    """(counted magnitude, cap that cut it) for each of a rule's matching events, given
    their times in (time, id) order. Shared by the engine and the bulk re-score."""
    magnitude = abs(Decimal(str(rule.points)))
    period = rule.max_points_per_period
    limit = Decimal(str(period.points)) if period else None
    span = dt.timedelta(days=period.days) if period else None
    total = 0
    per_day: Counter = Counter()
    window: deque[tuple[dt.datetime, Decimal]] = deque()
    used = ZERO
    for at in moments:
        day = at.astimezone(tz).date()
        counted, cap = magnitude, None
        if rule.max_total is not None and total >= rule.max_total:
            counted, cap = ZERO, "max_total"
        elif rule.max_per_day is not None and per_day[day] >= rule.max_per_day:
            counted, cap = ZERO, "max_per_day"
        elif limit is not None:
            while window and window[0][0] <= at - span:
                used -= window.popleft()[1]
            room = limit - used
            if counted > room:
                counted, cap = max(room, ZERO), "max_points_per_period"
        if cap is None or counted > 0:
            total += 1
            per_day[day] += 1
            if limit is not None:
                window.append((at, counted))
                used += counted
        yield counted, cap


def _counted_raw(rule: EngagementRule, events: list[EventFacts], tz: dt.tzinfo) -> Iterable[tuple[EventFacts, Decimal, str | None]]:
    """(event, counted magnitude, cap that cut it) for each matching event, in order."""
    matching = [event for event in events if rule_matches(rule, event)]
    for event, (counted, cap) in zip(matching, cap_walk(rule, (e.at for e in matching), tz), strict=True):
        yield event, counted, cap


def score_engagement(
    model: ModelSpec,
    events: Iterable[EventFacts],
    now: dt.datetime,
    *,
    tz: dt.tzinfo = dt.UTC,
    include_capped: bool = True,
) -> list[BreakdownItem]:
    """One item per counted event and rule (and per capped-out event unless excluded),
    ordered by event time, then event id, then rule order."""
    ordered = sorted(events, key=lambda e: e.order_key)
    keyed = []
    for position, rule in enumerate(model.engagement_rules):
        sign = -1 if rule.points < 0 else 1
        half_life = model.half_life_days if rule.half_life_days is None else rule.half_life_days
        for event, counted, cap in _counted_raw(rule, ordered, tz):
            if counted == 0 and cap is not None and not include_capped:
                continue
            raw = cents(sign * counted)
            points = cents(raw * Decimal(decay_factor(event.at, now, half_life)))
            item = BreakdownItem(
                rule=rule.key,
                label=rule.label,
                dimension="engagement",
                points=points,
                raw_points=raw,
                source=f"event:{event.id}",
                at=event.at,
                intent=rule.intent,
                capped=cap,
                future=event.at > now,
            )
            keyed.append(((event.order_key, position), item))
    keyed.sort(key=lambda pair: pair[0])
    return [item for _, item in keyed]
