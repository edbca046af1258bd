"""Engagement: exact decay, per-rule half-lives, caps in time order, negative points."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sarnakh.scoring.engine import (
    Condition,
    EngagementRule,
    EventFacts,
    ModelSpec,
    PeriodCap,
    decay_factor,
    score_engagement,
)

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
D = Decimal


def model(*rules: EngagementRule, half_life: float = 30) -> ModelSpec:
    spec = ModelSpec("m", "M", engagement_rules=rules, half_life_days=half_life)
    assert spec.validate() == {}
    return spec


def track(name: str, points, **options) -> EngagementRule:
    return EngagementRule(name, name.title(), event_type="track", event_name=name, points=points, **options)


def ev(event_id, at: dt.datetime, name: str = "download", **fields) -> EventFacts:
    return EventFacts(event_id, "track", at, name=name, **fields)


def points(items) -> list[Decimal]:
    return [item.points for item in items]


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [(0, D("10.00")), (30, D("5.00")), (60, D("2.50")), (90, D("1.25")), (15, D("7.07")), (300, D("0.01"))],
)
def test_given_a_30_day_half_life_points_halve_every_30_days(age_days, expected):
    items = score_engagement(model(track("download", 10)), [ev(1, NOW - dt.timedelta(days=age_days))], NOW)
    assert points(items) == [expected]
    assert items[0].raw_points == D("10.00")


def test_decay_factor_is_exactly_one_half_at_the_half_life_to_the_second():
    assert decay_factor(NOW - dt.timedelta(days=30), NOW, 30) == 0.5
    assert decay_factor(NOW - dt.timedelta(days=30, seconds=1), NOW, 30) < 0.5
    assert decay_factor(NOW - dt.timedelta(days=7), NOW, 7) == 0.5
    assert decay_factor(NOW - dt.timedelta(days=3650), NOW, 0) == 1.0


def test_a_rule_half_life_overrides_the_model_and_zero_means_no_decay():
    rules = (track("download", 8, half_life_days=7), track("email_click", 8, half_life_days=0), track("cta_click", 8))
    at = NOW - dt.timedelta(days=14)
    events = [ev(1, at, "download"), ev(2, at, "email_click"), ev(3, at, "cta_click")]
    items = score_engagement(model(*rules, half_life=28), events, NOW)
    assert {i.rule: i.points for i in items} == {"download": D("2.00"), "email_click": D("8.00"), "cta_click": D("5.66")}
    assert points(score_engagement(model(track("download", 8), half_life=0), [ev(1, at)], NOW)) == [D("8.00")]


def test_negative_points_decay_the_same_way():
    items = score_engagement(model(track("unsubscribed", -50)), [ev(1, NOW - dt.timedelta(days=30), "unsubscribed")], NOW)
    assert (items[0].raw_points, items[0].points) == (D("-50.00"), D("-25.00"))


def test_a_future_event_counts_undecayed_and_is_flagged():
    items = score_engagement(model(track("download", 10)), [ev(1, NOW + dt.timedelta(hours=2)), ev(2, NOW)], NOW)
    assert [(i.source, i.points, i.future) for i in items] == [("event:2", D("10.00"), False), ("event:1", D("10.00"), True)]


def test_max_per_day_counts_per_utc_calendar_day_across_midnight():
    rule = track("email_open", 1, half_life_days=0, max_per_day=2)
    midnight = dt.datetime(2025, 5, 20, tzinfo=dt.UTC)
    times = [midnight - dt.timedelta(minutes=m) for m in (3, 2, 1)] + [midnight + dt.timedelta(minutes=m) for m in (0, 1, 2)]
    items = score_engagement(model(rule), [ev(i, t, "email_open") for i, t in enumerate(times)], NOW)
    assert [(i.raw_points, i.capped) for i in items] == [
        (D("1.00"), None), (D("1.00"), None), (D("0.00"), "max_per_day"),
        (D("1.00"), None), (D("1.00"), None), (D("0.00"), "max_per_day"),
    ]
    assert sum(points(items)) == 4


def test_max_per_day_may_follow_the_account_time_zone():
    rule = track("email_open", 1, half_life_days=0, max_per_day=1)
    tehran = ZoneInfo("Asia/Tehran")  # UTC+3:30: 21:00 and 21:40 UTC fall on two Tehran days
    events = [ev(1, dt.datetime(2025, 5, 20, 20, 0, tzinfo=dt.UTC), "email_open"),
              ev(2, dt.datetime(2025, 5, 20, 20, 40, tzinfo=dt.UTC), "email_open")]
    assert sum(points(score_engagement(model(rule), events, NOW))) == 1
    assert sum(points(score_engagement(model(rule), events, NOW, tz=tehran))) == 2


def test_max_total_counts_the_first_events_only():
    rule = track("download", 10, half_life_days=0, max_total=2)
    events = [ev(i, NOW - dt.timedelta(days=10 - i)) for i in range(5)]
    items = score_engagement(model(rule), events, NOW)
    assert [(i.source, i.raw_points, i.capped) for i in items] == [
        ("event:0", D("10.00"), None), ("event:1", D("10.00"), None),
        ("event:2", D("0.00"), "max_total"), ("event:3", D("0.00"), "max_total"), ("event:4", D("0.00"), "max_total"),
    ]


def test_an_event_refused_by_the_daily_cap_does_not_use_up_the_total():
    rule = track("download", 1, half_life_days=0, max_total=3, max_per_day=1)
    day1, day2, day3 = (NOW - dt.timedelta(days=d) for d in (5, 4, 3))
    events = [ev(1, day1), ev(2, day1 + dt.timedelta(hours=1)), ev(3, day2), ev(4, day3), ev(5, day3 + dt.timedelta(hours=1))]
    items = score_engagement(model(rule), events, NOW)
    assert [i.capped for i in items] == [None, "max_per_day", None, None, "max_total"]


def test_points_per_rolling_period_are_cut_partially_and_the_window_slides():
    rule = track("download", 10, half_life_days=0, max_points_per_period=PeriodCap(25, 7))
    start = NOW - dt.timedelta(days=30)
    offsets = [0, 1, 2, 3, 7, 8]  # days after start
    items = score_engagement(model(rule), [ev(i, start + dt.timedelta(days=d)) for i, d in enumerate(offsets)], NOW)
    # day 0: 10, day 1: 10, day 2: 5 of 10 (cut), day 3: nothing left,
    # day 7: day 0 left the window (it holds (day 0, day 7]) -> 10 free -> 10,
    # day 8: day 1 left, window holds day 2 (5) + day 7 (10) -> 10 free -> 10.
    assert [(i.raw_points, i.capped) for i in items] == [
        (D("10.00"), None), (D("10.00"), None), (D("5.00"), "max_points_per_period"),
        (D("0.00"), "max_points_per_period"), (D("10.00"), None), (D("10.00"), None),
    ]


def test_a_period_cap_on_a_negative_rule_limits_the_size_of_the_penalty():
    rule = track("careers", -10, half_life_days=0, max_points_per_period=PeriodCap(15, 30))
    events = [ev(i, NOW - dt.timedelta(days=3 - i), "careers") for i in range(3)]
    assert points(score_engagement(model(rule), events, NOW)) == [D("-10.00"), D("-5.00"), D("0.00")]


def test_capped_out_events_can_be_left_out_of_the_breakdown():
    rule = track("download", 10, max_total=1)
    events = [ev(1, NOW), ev(2, NOW)]
    assert len(score_engagement(model(rule), events, NOW)) == 2
    assert [i.source for i in score_engagement(model(rule), events, NOW, include_capped=False)] == ["event:1"]


def test_rules_match_on_type_name_and_conditions_and_ignore_identify_events():
    page = EngagementRule("pricing", "Pricing", event_type="page_view", points=15,
                          conditions=(Condition("path", "path_matches", "/pricing*"),))
    anything = EngagementRule("any", "Any", event_type="any", points=1, half_life_days=0)
    labelled = EngagementRule("cta", "CTA", event_type="track", event_name="CTA_Click", points=3, half_life_days=0,
                              conditions=(Condition("label", "contains_any", ["demo"]),))
    events = [
        EventFacts(1, "page_view", NOW, path="/pricing/teams"),
        EventFacts(2, "page_view", NOW, url="https://x.ir/pricing?a=1"),  # path taken from the URL
        EventFacts(3, "track", NOW, name="cta_click", label="Book a demo"),
        EventFacts(4, "track", NOW, name="cta_click", label="Newsletter"),
        EventFacts(5, "identify", NOW),
        EventFacts(6, "page_view", NOW, path="/about"),
    ]
    items = score_engagement(model(page, anything, labelled), events, NOW)
    assert [(i.source, i.rule) for i in items] == [
        ("event:1", "pricing"), ("event:1", "any"), ("event:2", "pricing"), ("event:2", "any"),
        ("event:3", "any"), ("event:3", "cta"), ("event:4", "any"), ("event:6", "any"),
    ]


def test_events_with_the_same_time_are_ordered_by_id_so_caps_are_deterministic():
    rule = track("download", 10, max_total=1)
    events = [ev(7, NOW), ev(3, NOW), ev(5, NOW)]
    assert [i.capped for i in score_engagement(model(rule), events, NOW) if i.source == "event:3"] == [None]


def test_naive_event_times_are_refused():
    with pytest.raises(ValueError):
        EventFacts(1, "track", dt.datetime(2025, 1, 1), name="x")
