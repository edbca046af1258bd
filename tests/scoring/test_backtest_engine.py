"""The backtest engine with injected times: score series equal to scoring from scratch,
crossing moments, months, the threshold sweep, the suggestion rule, draft vs in use."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest

from sarnakh.scoring.engine import (
    Condition,
    EngagementRule,
    EventFacts,
    FitRule,
    ModelSpec,
    PersonFacts,
    Qualification,
    default_model,
    score_contact,
)
from sarnakh.scoring.engine.backtest import (
    ContactHistory,
    Month,
    Outcome,
    SweepPoint,
    candidate_thresholds,
    replay,
    rolling_months,
    run_backtest,
    score_series,
    suggest,
    with_threshold,
)

END = dt.datetime(2026, 7, 1, 0, 0, tzinfo=dt.UTC)
D = Decimal
_ids = itertools.count(1)
MANAGER = PersonFacts(email="sara@acme-industries.com", job_title="Sales Manager")  # fit 35: grade B
NOBODY = PersonFacts(email="x@gmail.com")  # fit 0: grade D


def view(at, path="/pricing"):
    return EventFacts(id=next(_ids), type="page_view", at=at, path=path)


def track(at, name):
    return EventFacts(id=next(_ids), type="track", at=at, name=name)


def history(person=MANAGER, events=(), created=None, sql=None, customer=None, mql=None):
    events = tuple(sorted(events, key=lambda e: e.order_key))
    created = created or (events[0].at if events else END - dt.timedelta(days=10))
    return ContactHistory(next(_ids), person, events, created, reached_mql_at=mql, reached_sql_at=sql, reached_customer_at=customer)


def points_model(kind="combined", threshold=50, half_life=10):
    """+10 a pricing view, +40 a demo request, -10 careers with a shorter half-life."""
    rules = (
        EngagementRule("pricing", "Pricing", "page_view", None, (Condition("path", "path_matches", ["/pricing*"]),), 10, "high", max_per_day=2),
        EngagementRule("demo", "Demo", "track", "demo_requested", (), 40, "high"),
        EngagementRule("careers", "Careers", "page_view", None, (Condition("path", "path_matches", ["/careers*"]),), -10, "low", half_life_days=2),
    )
    fit = (FitRule("email", "Company email", (Condition("email", "is_company_email"),), 20),)
    qualification = Qualification(kind=kind, min_grade="B", min_engagement=threshold, min_combined=threshold)
    return ModelSpec("m", "M", fit_rules=fit, engagement_rules=rules, half_life_days=half_life,
                     grade_cutoffs={"A": 30, "B": 20, "C": 10}, qualification=qualification)


# ------------------------------------------------------------------ the score series


def test_the_score_series_equals_scoring_from_scratch_at_every_moment():
    # given random histories under the shipped model (caps, negative points, decay)
    rng = random.Random(7)
    spec = default_model()
    paths = ["/pricing", "/blog/a", "/careers", "/case-studies/x", "/demo", "/"]
    names = ["demo_requested", "download", "email_open", "unsubscribed", "form_submitted"]
    for _n in range(30):
        start = END - dt.timedelta(days=rng.uniform(20, 150))
        events = []
        for _e in range(rng.randint(0, 25)):
            at = start + dt.timedelta(hours=rng.uniform(-24, 24 * 60))
            events.append(view(at, rng.choice(paths)) if rng.random() < 0.7 else track(at, rng.choice(names)))
        h = history(events=events, created=start)
        # when replayed
        series = score_series(spec, h, END)
        # then each point is the from-scratch score at that moment over the events up to it
        assert series[0].at == start
        for point in series:
            expected = score_contact(spec, h.person, [e for e in h.events if e.at <= point.at], point.at)
            assert (point.fit, point.grade, point.engagement, point.score) == (expected.fit, expected.grade, expected.engagement, expected.score)


def test_events_before_creation_count_from_the_creation_and_events_after_the_end_are_ignored():
    created = END - dt.timedelta(days=5)
    h = history(events=[view(created - dt.timedelta(days=1)), view(END + dt.timedelta(hours=1))], created=created)
    series = score_series(points_model(), h, END)
    assert [p.at for p in series] == [created]
    assert series[0].engagement == D("9.33")  # 10 decayed for a day at a 10-day half-life


# ------------------------------------------------------------------ crossing moments


def test_the_first_moment_the_bar_holds_is_the_mql_moment_and_later_events_do_not_move_it():
    t = END - dt.timedelta(days=20)
    spec = points_model(threshold=60)  # combined: fit 20 + engagement
    events = [view(t), view(t + dt.timedelta(hours=1)), track(t + dt.timedelta(hours=2), "demo_requested"), view(t + dt.timedelta(days=1))]
    found = replay(spec, history(events=events, created=t - dt.timedelta(days=1)), END)
    # 20 + 10 + 10 = 40 before the demo request; 20 + ~20 + 40 ≥ 60 at it
    assert found.crossing(D(60)) == t + dt.timedelta(hours=2)
    assert found.crossing(D(20)) == t - dt.timedelta(days=1)  # fit alone, at the creation
    assert found.crossing(D(500)) is None
    assert list(found.peaks) == sorted(found.peaks)
    # the moment matches scoring from scratch with the engine's own qualification
    at = found.crossing(D(60))
    before = [e for e in events if e.at < at]
    assert not score_contact(spec, MANAGER, before, before[-1].at).qualified
    assert score_contact(spec, MANAGER, [e for e in events if e.at <= at], at).qualified


def test_grade_and_engagement_keeps_the_grade_condition():
    t = END - dt.timedelta(days=3)
    events = [track(t, "demo_requested"), track(t + dt.timedelta(minutes=1), "demo_requested")]
    spec = points_model(kind="grade_and_engagement", threshold=60)
    assert replay(spec, history(events=events), END).crossing(D(60)) == t + dt.timedelta(minutes=1)
    assert replay(spec, history(person=NOBODY, events=events), END).crossing(D(1)) is None  # grade D never qualifies


def test_a_decayed_score_does_not_cross_at_a_later_small_event():
    t = END - dt.timedelta(days=100)
    spec = points_model(threshold=95)
    # 20 + 40 + 2×10 = 80 on day one; 40 days later the old points are worth 1/16
    events = [track(t, "demo_requested"), view(t), view(t + dt.timedelta(minutes=1)), view(t + dt.timedelta(days=40))]
    found = replay(spec, history(events=events, created=t), END)
    assert found.crossing(D(80)) == t + dt.timedelta(minutes=1)
    assert found.crossing(D(81)) is None


# ------------------------------------------------------------------ months and outcomes


def test_rolling_months_end_at_the_end_and_clamp_the_day():
    end = dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)
    months = rolling_months(end, 3)
    assert [m.start.date().isoformat() for m in months] == ["2025-12-31", "2026-01-31", "2026-02-28"]
    assert months[-1].end == end and all(a.end == b.start for a, b in itertools.pairwise(months))
    with pytest.raises(ValueError):
        rolling_months(end, 0)


def test_going_on_counts_only_stages_reached_at_or_after_the_mql_moment():
    t = END - dt.timedelta(days=10)
    spec = points_model(threshold=60)
    hot = [track(t, "demo_requested")]
    later = history(events=hot, sql=t + dt.timedelta(days=1), customer=t + dt.timedelta(days=5))
    earlier = history(events=[track(t, "demo_requested")], sql=t - dt.timedelta(days=1), customer=t - dt.timedelta(hours=1))
    stalled = history(events=[track(t, "demo_requested")])
    result = run_backtest(spec, [later, earlier, stalled], end=END, months=1)
    model = result.model.outcome
    assert (model.mqls, model.sql, model.customers, model.already_sql) == (3, 1, 1, 1)
    assert model.customer_rate == pytest.approx(1 / 3)


def test_a_crossing_before_the_window_is_not_counted_again_inside_it():
    spec = points_model(threshold=60)
    old = END - dt.timedelta(days=60)
    h = history(events=[track(old, "demo_requested"), track(END - dt.timedelta(days=3), "demo_requested")], created=old)
    result = run_backtest(spec, [h], end=END, months=1)
    assert result.model.outcome.mqls == 0
    assert run_backtest(spec, [h], end=END, months=3).model.outcome.mqls == 1


# ------------------------------------------------------------------ the sweep and the suggestion


def _population(rng, count=300):
    """Engaged people convert more: the number of pricing views drives the outcomes."""
    found = []
    for _n in range(count):
        start = END - dt.timedelta(days=rng.uniform(1, 170))
        visits = rng.randint(0, 8)
        events = [view(start + dt.timedelta(hours=6 * i)) for i in range(visits)]
        if rng.random() < visits / 10:
            events.append(track(start + dt.timedelta(hours=6 * visits), "demo_requested"))
        later = start + dt.timedelta(days=3)
        sql = later if rng.random() < visits / 9 else None
        customer = later + dt.timedelta(days=2) if sql and rng.random() < visits / 10 else None
        found.append(history(events=events, created=start, sql=sql, customer=customer))
    return found


def test_the_sweep_volume_falls_as_the_bar_rises_and_the_model_bar_is_a_point_on_it():
    spec = points_model(threshold=60)
    result = run_backtest(spec, _population(random.Random(3)), end=END, months=6, target_per_month=20)
    volumes = [p.outcome.mqls for p in result.curve]
    assert volumes == sorted(volumes, reverse=True) and volumes[0] > volumes[-1]
    assert [p.threshold for p in result.curve] == sorted(p.threshold for p in result.curve)
    at_bar = next(p for p in result.curve if p.threshold == D(60))
    assert at_bar.outcome == result.model.outcome
    assert sum(m.mqls for m in at_bar.months) == at_bar.outcome.mqls
    # engagement predicts conversion here: the highest bars convert better than the lowest
    assert result.curve[-1].outcome.customer_rate > result.curve[0].outcome.customer_rate


def test_candidate_thresholds_are_round_steps_and_include_the_models_bar():
    found = candidate_thresholds(D("97"), [D(n) for n in range(1, 200)])
    steps = {b - a for a, b in itertools.pairwise(x for x in found if x != D(97))}
    assert D(97) in found and len(found) <= 41 and steps == {D(5)} and found[0] == D(5)
    assert candidate_thresholds(D(60), []) == [D(60)]


def point(threshold, mqls, customers, months=2):
    outcome = Outcome(mqls=mqls, customers=customers)
    return SweepPoint(D(threshold), tuple(Outcome() for _ in range(months)), outcome)


def test_the_suggestion_is_the_best_customer_rate_among_bars_meeting_the_volume():
    curve = [point(10, 300, 6), point(20, 220, 11), point(30, 200, 10), point(40, 120, 12)]
    # 100 a month: 10, 20 and 30 meet it; 20 and 30 share 5 %, 30 is closer to the target
    chosen = suggest(curve, 100)
    assert (chosen.point.threshold, chosen.meets_target) == (D(30), True)
    assert suggest(curve, 105).point.threshold == D(20)  # 30 (100 a month) no longer meets it
    assert suggest(curve, 60).point.threshold == D(40)  # 10 % beats everything


def test_when_no_bar_meets_the_volume_the_largest_volume_is_returned_and_flagged():
    curve = [point(10, 30, 1), point(20, 10, 5)]
    chosen = suggest(curve, 100)
    assert (chosen.point.threshold, chosen.meets_target) == (D(10), False)
    assert suggest([point(10, 0, 0)], 5).point is None


def test_without_a_target_there_is_no_suggestion():
    result = run_backtest(points_model(), _population(random.Random(1), 20), end=END, months=2)
    assert result.suggestion is None and result.to_dict()["suggestion"] is None


# ------------------------------------------------------------------ draft against in use


def test_a_draft_is_compared_with_the_model_in_use_on_the_same_history():
    people = _population(random.Random(5))
    in_use = points_model(threshold=60)
    draft = with_threshold(in_use, 30)
    result = run_backtest(draft, people, end=END, months=6, target_per_month=10, in_use=in_use)
    alone = run_backtest(in_use, people, end=END, months=6)
    assert result.draft and not alone.draft
    assert result.in_use.outcome == alone.model.outcome and result.in_use.threshold == D(60)
    assert result.model.threshold == D(30) and result.model.outcome.mqls > result.in_use.outcome.mqls
    body = result.to_dict()
    assert body["model"]["threshold"] == 30 and body["in_use"]["threshold"] == 60
    assert len(body["months"]) == 6 and {"model", "in_use", "suggested", "recorded"} <= set(body["months"][0])


def test_the_recorded_stage_history_is_measured_the_same_way():
    t = END - dt.timedelta(days=5)
    people = [history(mql=t, sql=t + dt.timedelta(days=1)), history(mql=t), history(mql=END - dt.timedelta(days=90))]
    result = run_backtest(points_model(), people, end=END, months=1)
    assert [(o.mqls, o.sql) for o in result.recorded] == [(2, 1)]


def test_months_are_counted_by_the_crossing_moment():
    spec = points_model(threshold=60)
    months = rolling_months(END, 2)
    people = [history(events=[track(m.start + dt.timedelta(hours=1), "demo_requested")]) for m in months]
    people.append(history(events=[track(months[1].start + dt.timedelta(days=2), "demo_requested")]))
    result = run_backtest(spec, people, end=END, months=2)
    assert [o.mqls for o in result.model.months] == [1, 2]
    assert isinstance(result.months[0], Month)
