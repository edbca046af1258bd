"""score_contact: grades at the cut-offs, qualification kinds, crossing once, and
explanations that add up exactly whatever the input."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from sarnakh.scoring.engine import (
    CompanyFacts,
    Condition,
    EngagementRule,
    EventFacts,
    FitRule,
    ModelSpec,
    PeriodCap,
    PersonFacts,
    Qualification,
    crossed,
    grade_for,
    qualifies,
    score_contact,
)

NOW = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)
D = Decimal


def fit_model(points: float, **options) -> ModelSpec:
    rule = FitRule("email", "Company email", (Condition("email", "is_company_email"),), points)
    return ModelSpec("m", "M", fit_rules=(rule,), grade_cutoffs={"A": 45, "B": 30, "C": 15}, **options)


@pytest.mark.parametrize(
    ("fit", "grade"),
    [(45, "A"), (44.99, "B"), (30, "B"), (29.99, "C"), (15, "C"), (14.99, "D"), (0, "D"), (-5, "D"), (100, "A")],
)
def test_grade_at_the_cut_off_is_the_higher_grade(fit, grade):
    assert grade_for(D(str(fit)), {"A": 45, "B": 30, "C": 15}) == grade
    result = score_contact(fit_model(fit), PersonFacts(email="a@acme.ir"), [], NOW)
    assert (result.fit, result.grade) == (D(str(fit)).quantize(D("0.01")), grade)


def test_a_person_matching_no_fit_rule_gets_grade_d_and_an_empty_breakdown():
    result = score_contact(fit_model(50), PersonFacts(email="a@gmail.com"), [], NOW)
    assert (result.fit, result.grade, result.score, result.breakdown) == (D("0"), "D", D("0"), ())


def test_fit_items_name_the_properties_they_came_from():
    rule = FitRule("big_manager", "Big company manager", (
        Condition("job_title", "contains_any", ["manager"]),
        Condition("company.employee_band", "gte", "51-200"),
        Condition("job_title", "is_set"),
    ), 12.5)
    person = PersonFacts(job_title="Sales Manager", company=CompanyFacts(employee_band="201-500"))
    (item,) = score_contact(ModelSpec("m", "M", fit_rules=(rule,)), person, [], NOW).breakdown
    assert item.to_dict() == {
        "rule": "big_manager", "label": "Big company manager", "dimension": "fit", "points": 12.5,
        "raw_points": 12.5, "source": "property:job_title,company.employee_band", "at": None,
        "intent": None, "capped": None, "future": False,
    }


class Result:
    def __init__(self, grade, engagement, score):
        self.grade, self.engagement, self.score = grade, D(str(engagement)), D(str(score))


@pytest.mark.parametrize(
    ("grade", "engagement", "expected"),
    [("A", 60, True), ("B", 60, True), ("B", 59.99, False), ("C", 100, False), ("A", 0, False)],
)
def test_grade_and_engagement_bar(grade, engagement, expected):
    bar = Qualification("grade_and_engagement", min_grade="B", min_engagement=60)
    assert qualifies(Result(grade, engagement, 0), bar) is expected


@pytest.mark.parametrize(("score", "expected"), [(95, True), (94.99, False), (200, True)])
def test_combined_bar_ignores_the_grade(score, expected):
    assert qualifies(Result("D", 0, score), Qualification("combined", min_combined=95)) is expected


def test_a_threshold_crossing_is_reported_once_not_on_every_later_event():
    spec = ModelSpec(
        "m", "M",
        engagement_rules=(EngagementRule("dl", "Download", event_type="track", event_name="download", points=25, half_life_days=0),),
        qualification=Qualification("combined", min_combined=50),
    )
    events, crossings, previous = [], [], False
    for i in range(5):
        events.append(EventFacts(i, "track", NOW - dt.timedelta(hours=5 - i), name="download"))
        now_qualified = score_contact(spec, PersonFacts(), events, NOW).qualified
        crossings.append(crossed(previous, now_qualified))
        previous = now_qualified
    assert crossings == [False, True, False, False, False]
    assert crossed(True, False) is False
    assert crossed(False, False) is False


# --- explanations add up, whatever the input ----------------------------------------------

NAMES = ["download", "email_open", "email_click", "cta_click", "unsubscribed"]
PATHS = ["/pricing", "/pricing/teams", "/blog/a", "/fa/blog/b", "/careers", "/"]


def random_model(rng: random.Random) -> ModelSpec:
    rules = []
    for i in range(rng.randint(1, 6)):
        page = rng.random() < 0.4
        rules.append(EngagementRule(
            key=f"r{i}", label=f"Rule {i}",
            event_type="page_view" if page else rng.choice(["track", "any"]),
            event_name=None if page else rng.choice([None, *NAMES]),
            conditions=(Condition("path", "path_matches", rng.choice(["/pricing*", "/blog/*", "/fa/*", "/*"])),) if page else (),
            points=rng.choice([-50, -7.5, -1, 0.33, 1, 2, 2.5, 15, 40, 99.99]),
            intent=rng.choice(["high", "low"]),
            max_per_day=rng.choice([None, None, 1, 3]),
            max_total=rng.choice([None, None, 2, 10]),
            max_points_per_period=rng.choice([None, None, PeriodCap(rng.choice([5, 12.5, 30]), rng.choice([1, 7, 0.5]))]),
            half_life_days=rng.choice([None, None, 0, 1, 7.5, 90]),
        ))
    fit = [FitRule(f"f{i}", f"Fit {i}", (Condition("job_title", "contains_any", [w]),), rng.choice([-3, 0.01, 5, 7.77, 20]))
           for i, w in enumerate(["manager", "head", "مدیر"])]
    spec = ModelSpec("rand", "Random", fit_rules=tuple(fit), engagement_rules=tuple(rules),
                     half_life_days=rng.choice([0, 3, 30, 45.5]))
    assert spec.validate() == {}
    return spec


def random_events(rng: random.Random) -> list[EventFacts]:
    events = []
    for i in range(rng.randint(0, 60)):
        at = NOW - dt.timedelta(seconds=rng.randint(-3 * 86400, 200 * 86400))
        if rng.random() < 0.5:
            events.append(EventFacts(i, "page_view", at, path=rng.choice(PATHS)))
        else:
            events.append(EventFacts(i, "track", at, name=rng.choice(NAMES)))
    return events


@pytest.mark.parametrize("seed", range(6))
def test_breakdown_points_add_up_to_each_total_exactly_for_random_inputs(seed):
    rng = random.Random(seed)
    for _ in range(60):
        spec, events = random_model(rng), random_events(rng)
        person = PersonFacts(job_title=rng.choice(["Sales Manager", "Head of مدير", "Intern", ""]))
        result = score_contact(spec, person, events, NOW)

        fit_items = [i for i in result.breakdown if i.dimension == "fit"]
        engagement_items = [i for i in result.breakdown if i.dimension == "engagement"]
        assert sum((i.points for i in fit_items), D(0)) == result.fit
        assert sum((i.points for i in engagement_items), D(0)) == result.engagement
        assert result.score == result.fit + result.engagement
        assert result.engagement_high + result.engagement_low == result.engagement
        assert all(i.points == i.points.quantize(D("0.01")) for i in result.breakdown)
        assert all(abs(i.points) <= abs(i.raw_points) or i.future for i in engagement_items)
        # the JSON the API returns adds up too, to the cent
        data = json.loads(json.dumps(result.to_dict()))
        for dimension in ("fit", "engagement"):
            total = sum(D(str(i["points"])) for i in data["breakdown"] if i["dimension"] == dimension)
            assert total == D(str(data[dimension]))


@pytest.mark.parametrize("seed", range(4))
def test_event_order_does_not_matter_shuffled_or_arriving_one_by_one(seed):
    rng = random.Random(1000 + seed)
    for _ in range(40):
        spec, events = random_model(rng), random_events(rng)
        person = PersonFacts(job_title="manager")
        from_sorted = score_contact(spec, person, sorted(events, key=lambda e: (e.at, e.id)), NOW)

        shuffled = events[:]
        rng.shuffle(shuffled)
        assert score_contact(spec, person, shuffled, NOW) == from_sorted

        arrived: list[EventFacts] = []
        latest = score_contact(spec, person, arrived, NOW)
        for event in shuffled:  # incremental: the state after each arrival is a full re-score
            arrived.append(event)
            latest = score_contact(spec, person, arrived, NOW)
        assert latest == from_sorted


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        score_contact(fit_model(1), PersonFacts(), [], dt.datetime(2025, 1, 1))
