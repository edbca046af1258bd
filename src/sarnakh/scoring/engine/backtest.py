"""Backtest: replay a scoring model over stored history and choose the bar with evidence.

For every contact the model's score is evaluated at the moments it could have changed
upwards: when the contact was created (fit alone) and at each of its event times after
that, each time over the events up to that moment, exactly as `score_contact` would
have scored it then. Between two events no rule adds points and positive points only
decay, so a bar that was not reached at an event is not reached before the next one.
(One exception is not followed: a rule with negative points and a shorter half-life than
the positive ones lets the score creep up between events; such a crossing is seen at
the next event.) The first moment the model's bar holds is the would-be MQL moment.

Fit is read from the contact's properties as they are now (there is no property
history yet), so a property filled in by sales after qualification flatters the model.

A would-be MQL "went on to" SQL or customer only when the contact reached that stage at
or after the would-be MQL moment: a contact that sales had already qualified before the
model would have flagged it counts as an MQL that did not convert (the flag added
nothing). Recent months have had less time to convert; their rates are lower.

Months are rolling: the last month ends at `end`, each month starts on the same day and
time of the month before (day clamped to the month's length) in the account's zone.

The sweep moves the bar along the model's own dimension (the combined score for
`combined`; engagement for `grade_and_engagement`, keeping the grade condition) and
computes volume and conversion per threshold from one score series per contact.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sarnakh.core.nice_numbers import nice_step
from sarnakh.scoring.engine.engagement import decay_factor, score_engagement
from sarnakh.scoring.engine.facts import EventFacts, PersonFacts
from sarnakh.scoring.engine.fit import score_fit
from sarnakh.scoring.engine.qualification import grade_at_least, grade_for
from sarnakh.scoring.engine.result import ZERO, cents, number
from sarnakh.scoring.engine.spec import ModelSpec

MAX_THRESHOLDS = 40


# ------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class ContactHistory:
    """One contact as the backtest sees it: facts, events, and when it reached the
    later stages (None: never). `reached_mql_at` is what the stage history recorded."""

    contact_id: int
    person: PersonFacts
    events: tuple[EventFacts, ...]
    created_at: dt.datetime
    reached_mql_at: dt.datetime | None = None
    reached_sql_at: dt.datetime | None = None
    reached_customer_at: dt.datetime | None = None


@dataclass(frozen=True)
class Month:
    start: dt.datetime
    end: dt.datetime  # exclusive


def _months_back(moment: dt.datetime, count: int) -> dt.datetime:
    month_index = moment.year * 12 + moment.month - 1 - count
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def rolling_months(end: dt.datetime, count: int, tz: dt.tzinfo = dt.UTC) -> list[Month]:
    """`count` consecutive months, oldest first, the last one ending at `end`."""
    if count < 1:
        raise ValueError("count must be at least 1")
    local = end.astimezone(tz)
    edges = [_months_back(local, back) for back in range(count, -1, -1)]
    return [Month(start, stop) for start, stop in zip(edges, edges[1:], strict=False)]


# ------------------------------------------------------------------ the score series


@dataclass(frozen=True)
class ScorePoint:
    at: dt.datetime
    fit: Decimal
    grade: str
    engagement: Decimal

    @property
    def score(self) -> Decimal:
        return self.fit + self.engagement


def score_series(spec: ModelSpec, history: ContactHistory, until: dt.datetime, *, tz: dt.tzinfo = dt.UTC) -> list[ScorePoint]:
    """The score at the creation and at each later event time up to `until`, each equal
    to `score_contact(spec, person, events up to that moment, moment)`.

    Cheaper than scoring from scratch each time: caps are decided in time order on
    earlier events only, so the counted points of an event never change as later events
    arrive; they are computed once and only the decay is re-evaluated per moment."""
    if history.created_at > until:
        return []
    fit = sum((item.points for item in score_fit(spec, history.person)), ZERO)
    grade = grade_for(fit, spec.grade_cutoffs)
    events = [e for e in history.events if e.at <= until]
    half_lives = {
        rule.key: spec.half_life_days if rule.half_life_days is None else rule.half_life_days for rule in spec.engagement_rules
    }
    items = [
        (item.at, item.raw_points, half_lives[item.rule])
        for item in score_engagement(spec, events, until, tz=tz, include_capped=False)
        if item.raw_points
    ]
    moments = sorted({history.created_at, *(e.at for e in events if e.at > history.created_at)})
    series = []
    for moment in moments:
        engagement = ZERO
        for at, raw, half_life in items:
            if at > moment:
                break  # items are in event time order
            engagement += cents(raw * Decimal(decay_factor(at, moment, half_life)))
        series.append(ScorePoint(moment, fit, grade, engagement))
    return series


# ------------------------------------------------------------------ the bar's dimension


@dataclass(frozen=True)
class BarDimension:
    field: str  # the Qualification field the sweep moves
    value: Callable[[ScorePoint, Any], Decimal | None]  # None: can never qualify


def _engagement_value(point: ScorePoint, qualification: Any) -> Decimal | None:
    return point.engagement if grade_at_least(point.grade, qualification.min_grade) else None


BAR_DIMENSIONS: dict[str, BarDimension] = {
    "combined": BarDimension("min_combined", lambda point, _q: point.score),
    "grade_and_engagement": BarDimension("min_engagement", _engagement_value),
}


def bar_dimension(spec: ModelSpec) -> BarDimension:
    try:
        return BAR_DIMENSIONS[spec.qualification.kind]
    except KeyError:
        raise ValueError(f"cannot backtest a bar of kind {spec.qualification.kind!r}") from None


def bar_threshold(spec: ModelSpec) -> Decimal:
    return Decimal(str(getattr(spec.qualification, bar_dimension(spec).field)))


def with_threshold(spec: ModelSpec, threshold: Decimal | float) -> ModelSpec:
    value = number(cents(Decimal(str(threshold))))
    return replace(spec, qualification=replace(spec.qualification, **{bar_dimension(spec).field: value}))


@dataclass(frozen=True)
class Replay:
    """A contact's best bar value so far at each moment: the first moment it reaches a
    threshold is the moment the model would have qualified the contact."""

    history: ContactHistory
    moments: tuple[dt.datetime, ...]
    peaks: tuple[Decimal, ...]  # non-decreasing

    def crossing(self, threshold: Decimal) -> dt.datetime | None:
        index = bisect.bisect_left(self.peaks, threshold)
        return self.moments[index] if index < len(self.peaks) else None

    @property
    def peak(self) -> Decimal | None:
        return self.peaks[-1] if self.peaks else None


def replay(spec: ModelSpec, history: ContactHistory, until: dt.datetime, *, tz: dt.tzinfo = dt.UTC) -> Replay:
    dimension = bar_dimension(spec)
    moments, peaks = [], []
    best: Decimal | None = None
    for point in score_series(spec, history, until, tz=tz):
        value = dimension.value(point, spec.qualification)
        if value is None:
            continue
        if best is None or value > best:
            best = value
        moments.append(point.at)
        peaks.append(best)
    return Replay(history, tuple(moments), tuple(peaks))


# ------------------------------------------------------------------ outcomes


@dataclass(frozen=True)
class Outcome:
    """Would-be MQLs of one period and how many went on (at or after the MQL moment)."""

    mqls: int = 0
    sql: int = 0
    customers: int = 0
    already_sql: int = 0  # sales had qualified them before the model would have

    @property
    def sql_rate(self) -> float | None:
        return self.sql / self.mqls if self.mqls else None

    @property
    def customer_rate(self) -> float | None:
        return self.customers / self.mqls if self.mqls else None

    def add(self, history: ContactHistory, at: dt.datetime) -> Outcome:
        sql_at, customer_at = history.reached_sql_at, history.reached_customer_at
        return Outcome(
            self.mqls + 1,
            self.sql + (sql_at is not None and sql_at >= at),
            self.customers + (customer_at is not None and customer_at >= at),
            self.already_sql + (sql_at is not None and sql_at < at),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mqls": self.mqls, "sql": self.sql, "customers": self.customers, "already_sql": self.already_sql,
            "sql_rate": _rate(self.sql_rate), "customer_rate": _rate(self.customer_rate),
        }


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def monthly_outcomes(crossings: Iterable[tuple[ContactHistory, dt.datetime | None]], months: Sequence[Month]) -> list[Outcome]:
    starts = [m.start for m in months]
    found = [Outcome() for _ in months]
    for history, at in crossings:
        if at is None or at < months[0].start or at >= months[-1].end:
            continue
        index = bisect.bisect_right(starts, at) - 1
        found[index] = found[index].add(history, at)
    return found


def total(outcomes: Iterable[Outcome]) -> Outcome:
    result = Outcome()
    for o in outcomes:
        result = Outcome(result.mqls + o.mqls, result.sql + o.sql, result.customers + o.customers, result.already_sql + o.already_sql)
    return result


# ------------------------------------------------------------------ the sweep


@dataclass(frozen=True)
class SweepPoint:
    threshold: Decimal
    months: tuple[Outcome, ...]
    outcome: Outcome

    @property
    def per_month(self) -> float:
        return self.outcome.mqls / len(self.months)

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": number(self.threshold), "per_month": round(self.per_month, 2), **self.outcome.to_dict()}


def _nice_step(span: float, count: int) -> Decimal:
    return cents(Decimal(str(nice_step(max(span / count, 0.01)))))


def candidate_thresholds(current: Decimal, peaks: Iterable[Decimal], *, limit: int = MAX_THRESHOLDS) -> list[Decimal]:
    """Round thresholds from the lowest positive peak to the 98th percentile of the peaks
    (a few outliers would stretch the steps) in at most `limit` steps, plus the model's
    own threshold."""
    values = sorted(p for p in peaks if p > 0)
    if not values:
        return [current]
    low, high = values[0], values[int(0.98 * (len(values) - 1))]
    step = _nice_step(float(high - low) or float(high), limit - 1)
    start = max((low // step) * step, step)
    found = {cents(current)}
    value = start
    while value <= high and len(found) <= limit:
        found.add(cents(value))
        value += step
    return sorted(found)


def sweep(replays: Sequence[Replay], months: Sequence[Month], thresholds: Iterable[Decimal]) -> list[SweepPoint]:
    points = []
    for threshold in thresholds:
        rows = monthly_outcomes(((r.history, r.crossing(threshold)) for r in replays), months)
        points.append(SweepPoint(threshold, tuple(rows), total(rows)))
    return points


@dataclass(frozen=True)
class Suggestion:
    point: SweepPoint | None
    meets_target: bool
    target_per_month: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "threshold": number(self.point.threshold) if self.point else None,
            "meets_target": self.meets_target,
            "target_per_month": self.target_per_month,
            "point": self.point.to_dict() if self.point else None,
        }


def suggest(points: Sequence[SweepPoint], target_per_month: float) -> Suggestion:
    """Among thresholds whose average monthly volume meets the target, the best MQL →
    customer rate (a tie goes to the volume closer to the target, then the higher bar);
    when none meets it, the threshold with the largest volume, flagged as short."""
    meeting = [p for p in points if p.per_month >= target_per_month and p.outcome.mqls]
    if meeting:
        best = max(meeting, key=lambda p: (p.outcome.customer_rate or 0.0, -(p.per_month - target_per_month), p.threshold))
        return Suggestion(best, True, target_per_month)
    with_volume = [p for p in points if p.outcome.mqls]
    if not with_volume:
        return Suggestion(None, False, target_per_month)
    best = max(with_volume, key=lambda p: (p.per_month, p.outcome.customer_rate or 0.0, p.threshold))
    return Suggestion(best, False, target_per_month)


# ------------------------------------------------------------------ the whole run


@dataclass(frozen=True)
class ModelRun:
    """One model replayed at its own bar."""

    key: str
    name: str
    kind: str
    bar_field: str
    threshold: Decimal
    months: tuple[Outcome, ...]
    outcome: Outcome

    @property
    def per_month(self) -> float:
        return self.outcome.mqls / len(self.months)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "name": self.name, "kind": self.kind, "bar_field": self.bar_field,
            "threshold": number(self.threshold), "per_month": round(self.per_month, 2), **self.outcome.to_dict(),
        }


@dataclass(frozen=True)
class BacktestResult:
    months: tuple[Month, ...]
    model: ModelRun
    in_use: ModelRun
    recorded: tuple[Outcome, ...]  # the MQLs the stage history shows, same measures
    curve: tuple[SweepPoint, ...]
    suggestion: Suggestion | None
    contacts: int
    draft: bool = False

    def month_rows(self) -> list[dict[str, Any]]:
        suggested = self.suggestion.point if self.suggestion and self.suggestion.point else None
        rows = []
        for index, month in enumerate(self.months):
            rows.append({
                "start": month.start, "end": month.end,
                "model": self.model.months[index].to_dict(),
                "in_use": self.in_use.months[index].to_dict(),
                "suggested": suggested.months[index].to_dict() if suggested else None,
                "recorded": self.recorded[index].to_dict(),
            })
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.months[0].start, "end": self.months[-1].end, "contacts": self.contacts, "draft": self.draft,
            "model": self.model.to_dict(), "in_use": self.in_use.to_dict(), "recorded": total(self.recorded).to_dict(),
            "months": self.month_rows(), "curve": [p.to_dict() for p in self.curve],
            "suggestion": self.suggestion.to_dict() if self.suggestion else None,
        }


def _run(spec: ModelSpec, replays: Sequence[Replay], months: Sequence[Month]) -> ModelRun:
    threshold = bar_threshold(spec)
    rows = monthly_outcomes(((r.history, r.crossing(threshold)) for r in replays), months)
    return ModelRun(spec.key, spec.name, spec.qualification.kind, bar_dimension(spec).field, threshold, tuple(rows), total(rows))


def run_backtest(
    spec: ModelSpec,
    histories: Iterable[ContactHistory],
    *,
    end: dt.datetime,
    months: int,
    tz: dt.tzinfo = dt.UTC,
    target_per_month: float | None = None,
    in_use: ModelSpec | None = None,
) -> BacktestResult:
    """Replays `spec` (a draft, or the model in use) over the last `months` months before
    `end`, sweeps its bar, and suggests a threshold for `target_per_month` (no target, no
    suggestion). `in_use` is the model in use when `spec` is a draft of other rules."""
    if end.tzinfo is None or end.utcoffset() is None:
        raise ValueError("end must be an aware datetime")
    periods = rolling_months(end, months, tz)
    draft = in_use is not None and in_use != spec
    replays, in_use_replays, outcomes_only = [], [], []
    for history in histories:
        # One pass; each contact's events are let go once its score series are replayed.
        found = replay(spec, history, end, tz=tz)
        other = replay(in_use, history, end, tz=tz) if draft else None
        bare = replace(history, events=())
        outcomes_only.append(bare)
        if found.moments:
            replays.append(replace(found, history=bare))
        if other is not None and other.moments:
            in_use_replays.append(replace(other, history=bare))
    run = _run(spec, replays, periods)
    in_use_run = _run(in_use, in_use_replays, periods) if draft else run
    thresholds = candidate_thresholds(run.threshold, (r.peak for r in replays if r.peak is not None))
    curve = sweep(replays, periods, thresholds)
    recorded = monthly_outcomes(((h, h.reached_mql_at) for h in outcomes_only), periods)
    suggestion = suggest(curve, target_per_month) if target_per_month is not None else None
    return BacktestResult(
        months=tuple(periods), model=run, in_use=in_use_run, recorded=tuple(recorded), curve=tuple(curve),
        suggestion=suggestion, contacts=len(outcomes_only), draft=draft,
    )
