"""Attribution: the SQL credits conversions to channels and campaigns exactly as the pure
rules in attribution_credit say, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict

import pytest

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core.errors import ValidationFailed
from sarnakh.tracking.models import Session
from sarnakh.tracking.reports import attribution
from sarnakh.tracking.reports.attribution_credit import MODELS, credits

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
UNTIL = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
_serial = itertools.count(1)


def make_contact(created_at=T0, *, channel="other", campaign="", merged_into=None) -> Contact:
    n = next(_serial)
    return Contact.objects.create(
        first_name=f"P{n}", email=f"p{n}@example.com" if merged_into is None else "", stage_id="lead", channel=channel,
        utm_campaign=campaign, merged_into=merged_into, created_at=created_at, updated_at=created_at,
    )


def visit(contact, at, channel, *, campaign="", bot=False) -> Session:
    return Session.objects.create(
        visitor_id=f"v{contact.pk}", contact=contact, started_at=at, last_event_at=at, channel=channel,
        utm_campaign=campaign, is_bot=bot,
    )


def move(contact, to_stage, at) -> StageChange:
    return StageChange.objects.create(contact=contact, to_stage=to_stage, changed_at=at)


def credited(model, conversion="created", group_by="channel", since=SINCE, until=UNTIL) -> dict[str, float]:
    report = attribution.attribution_report(model=model, conversion=conversion, group_by=group_by, since=since, until=until)
    return {row.key: row.conversions for row in report.rows}


def days_before(days: float) -> dt.datetime:
    return T0 - dt.timedelta(days=days)


# ---------------------------------------------------------------- the pure rules

def test_credits_follow_each_model_and_sum_to_one():
    assert credits("first_touch", 3) == [1.0, 0.0, 0.0]
    assert credits("last_touch", 3) == [0.0, 0.0, 1.0]
    assert credits("linear", 4) == [0.25] * 4
    assert credits("u_shaped", 1) == [1.0]
    assert credits("u_shaped", 2) == [0.5, 0.5]
    assert credits("u_shaped", 4) == pytest.approx([0.4, 0.1, 0.1, 0.4])
    for model, n in itertools.product(MODELS, range(1, 12)):
        assert sum(credits(model, n)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        credits("time_decay", 2)


# ---------------------------------------------------------------- hand-made journeys

@pytest.fixture
def four_touch_journey():
    contact = make_contact()
    for days, channel in ((20, "organic_search"), (10, "email"), (5, "social"), (0.1, "paid_search")):
        visit(contact, days_before(days), channel)
    return contact


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("first_touch", {"organic_search": 1, "email": 0, "social": 0, "paid_search": 0}),
        ("last_touch", {"organic_search": 0, "email": 0, "social": 0, "paid_search": 1}),
        ("linear", {"organic_search": 0.25, "email": 0.25, "social": 0.25, "paid_search": 0.25}),
        ("u_shaped", {"organic_search": 0.4, "email": 0.1, "social": 0.1, "paid_search": 0.4}),
    ],
)
def test_four_touches_are_credited_by_each_model(four_touch_journey, model, expected):
    assert credited(model) == pytest.approx(expected)


def test_one_touch_takes_the_whole_conversion_under_every_model():
    visit(make_contact(), days_before(1), "email")
    for model in MODELS:
        assert credited(model) == pytest.approx({"email": 1.0})


def test_two_touches_split_half_and_half_in_u_shaped_and_linear():
    contact = make_contact()
    visit(contact, days_before(3), "social")
    visit(contact, days_before(1), "referral")
    assert credited("u_shaped") == pytest.approx({"social": 0.5, "referral": 0.5})
    assert credited("linear") == pytest.approx({"social": 0.5, "referral": 0.5})
    assert credited("first_touch") == pytest.approx({"social": 1.0, "referral": 0.0})
    assert credited("last_touch") == pytest.approx({"social": 0.0, "referral": 1.0})


def test_touches_of_one_channel_add_up_and_are_counted():
    contact = make_contact()
    for days in (4, 3, 2):
        visit(contact, days_before(days), "email")
    visit(contact, days_before(1), "direct")
    report = attribution.attribution_report(model="u_shaped", conversion="created", group_by="channel", since=SINCE, until=UNTIL)
    assert [(r.key, round(r.conversions, 6), r.touches) for r in report.rows] == [("email", 0.6, 3), ("direct", 0.4, 1)]
    assert report.total_conversions == 1
    assert [round(r.share, 6) for r in report.rows] == [0.6, 0.4]


def test_bot_sessions_earn_nothing():
    contact = make_contact()
    visit(contact, days_before(5), "display", bot=True)
    visit(contact, days_before(2), "email")
    visit(contact, days_before(1), "affiliate", bot=True)
    assert credited("first_touch") == {"email": 1.0}
    assert credited("last_touch") == {"email": 1.0}


def test_sessions_after_the_conversion_do_not_count_but_one_at_its_moment_does():
    contact = make_contact(created_at=days_before(30))
    visit(contact, days_before(30), "organic_search")  # the visit that created the contact
    visit(contact, days_before(10), "email")
    move(contact, "mql", days_before(10))
    visit(contact, days_before(2), "paid_search")
    move(contact, "customer", days_before(1))
    visit(contact, days_before(0), "social")

    assert credited("last_touch", "created") == {"organic_search": 1.0}
    assert credited("last_touch", "mql") == {"organic_search": 0.0, "email": 1.0}
    assert credited("linear", "customer") == pytest.approx({"organic_search": 1 / 3, "email": 1 / 3, "paid_search": 1 / 3})


def test_the_first_move_to_a_stage_is_the_conversion():
    contact = make_contact(created_at=days_before(60))
    visit(contact, days_before(50), "email")
    move(contact, "mql", days_before(40))
    move(contact, "sql", days_before(30))
    move(contact, "mql", days_before(20))  # moved back and forth: still converted at day 40
    visit(contact, days_before(25), "social")
    assert credited("last_touch", "mql") == {"email": 1.0}
    assert credited("last_touch", "mql", since=days_before(30)) == {}


def test_a_contact_without_sessions_counts_its_stored_first_touch():
    make_contact(channel="list_import", campaign="trade-show-2026")
    with_bot_only = make_contact(channel="cold_call")
    visit(with_bot_only, days_before(1), "direct", bot=True)
    later_visitor = make_contact(channel="api")
    visit(later_visitor, T0 + dt.timedelta(days=1), "email")
    for model in MODELS:
        assert credited(model) == pytest.approx({"list_import": 1.0, "cold_call": 1.0, "api": 1.0})
    assert credited("linear", group_by="campaign") == pytest.approx({"trade-show-2026": 1.0, "(none)": 2.0})


def test_merged_contacts_do_not_count():
    survivor = make_contact(channel="web_form")
    merged = make_contact(channel="list_import", merged_into=survivor)
    visit(merged, days_before(1), "email")
    move(merged, "mql", T0)
    assert credited("linear") == {"web_form": 1.0}
    assert credited("linear", "mql") == {}


def test_the_period_includes_its_start_and_excludes_its_end():
    since, until = days_before(10), days_before(5)
    make_contact(since - dt.timedelta(microseconds=1), channel="email")
    make_contact(since, channel="social")
    make_contact(until - dt.timedelta(microseconds=1), channel="referral")
    make_contact(until, channel="display")
    report = attribution.attribution_report(model="linear", conversion="created", group_by="channel", since=since, until=until)
    assert {r.key for r in report.rows} == {"social", "referral"}
    assert report.total_conversions == 2


def test_stage_conversions_count_by_when_they_happened_not_when_the_contact_was_created():
    old = make_contact(created_at=days_before(400), channel="event")
    move(old, "customer", days_before(1))
    make_contact(created_at=days_before(2), channel="email")
    assert credited("first_touch", "customer", since=days_before(7), until=T0) == {"event": 1.0}
    assert credited("first_touch", "created", since=days_before(7), until=T0) == {"email": 1.0}


def test_campaign_grouping_names_touches_without_a_campaign_none():
    contact = make_contact()
    visit(contact, days_before(3), "email", campaign="spring-sale")
    visit(contact, days_before(2), "organic_search")
    visit(contact, days_before(1), "email", campaign="spring-sale")
    other = make_contact()
    visit(other, days_before(1), "paid_search", campaign="brand")
    report = attribution.attribution_report(model="linear", conversion="created", group_by="campaign", since=SINCE, until=UNTIL)
    assert [(r.key, round(r.conversions, 6), r.touches) for r in report.rows] == [
        ("brand", 1.0, 1), ("spring-sale", round(2 / 3, 6), 2), ("(none)", round(1 / 3, 6), 1)
    ]


def test_no_conversions_is_an_empty_report():
    report = attribution.attribution_report(model="linear", conversion="mql", group_by="channel", since=SINCE, until=UNTIL)
    assert (report.total_conversions, report.rows) == (0, [])


def test_unknown_values_and_an_empty_period_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        attribution.attribution_report(model="time_decay", conversion="sql", group_by="source", since=UNTIL, until=SINCE)
    assert set(refused.value.fields) == {"model", "conversion", "group_by", "until"}


def test_the_comparison_puts_the_four_models_side_by_side(four_touch_journey):
    make_contact(channel="list_import")
    comparison = attribution.attribution_comparison(conversion="created", group_by="channel", since=SINCE, until=UNTIL, sort_by="first_touch")
    assert comparison.total_conversions == 2
    assert [r.key for r in comparison.rows][:2] == ["list_import", "organic_search"]
    by_key = {r.key: r for r in comparison.rows}
    assert by_key["paid_search"].conversions == pytest.approx({"first_touch": 0, "last_touch": 1, "linear": 0.25, "u_shaped": 0.4})
    assert by_key["email"].shares["u_shaped"] == pytest.approx(0.05)
    for model in MODELS:
        assert {k: r.conversions[model] for k, r in by_key.items()} == pytest.approx(credited(model))


# ---------------------------------------------------------------- random data vs the reference

def _random_world(rng: random.Random, contacts: int = 300):
    """Contacts with random visits (some by bots, some sharing a start time, some after the
    conversion) and stage moves; returns what the reference needs."""
    channels = ["organic_search", "paid_search", "social", "email", "referral", "direct"]
    campaigns = ["", "", "spring", "brand", "retarget"]
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def moment(start, max_days):
        return start + dt.timedelta(days=rng.uniform(0, max_days), microseconds=rng.randrange(1_000_000))

    people = Contact.objects.bulk_create([
        Contact(first_name=f"R{i}", stage_id="lead", channel=rng.choice(["list_import", "api", "other", "email"]),
                utm_campaign=rng.choice(campaigns), created_at=(created := moment(base, 300)), updated_at=created)
        for i in range(contacts)
    ])
    merged = {c.pk for c in people if rng.random() < 0.08}
    Contact.objects.filter(pk__in=merged).update(merged_into=people[0].pk if people[0].pk not in merged else people[1].pk)
    sessions = []
    changes = []
    for c in people:
        for _ in range(rng.choice([0, 0, 1, 2, 3, 4, 6])):
            started = moment(c.created_at - dt.timedelta(days=30), 60)
            sessions.append(Session(visitor_id=f"r{c.pk}", contact=c, started_at=started, last_event_at=started,
                                    channel=rng.choice(channels), utm_campaign=rng.choice(campaigns), is_bot=rng.random() < 0.1))
        if sessions and sessions[-1].contact is c and rng.random() < 0.3:  # same start: ordered by id
            twin = sessions[-1]
            sessions.append(Session(visitor_id=twin.visitor_id, contact=c, started_at=twin.started_at, last_event_at=twin.started_at,
                                    channel=rng.choice(channels), utm_campaign="", is_bot=False))
        if rng.random() < 0.15:  # a visit at the very moment of creation counts
            sessions.append(Session(visitor_id=f"r{c.pk}", contact=c, started_at=c.created_at, last_event_at=c.created_at, channel="display"))
        for stage in ("mql", "customer"):
            if rng.random() < 0.5:
                changes += [StageChange(contact=c, to_stage=stage, changed_at=moment(c.created_at, 40)) for _ in range(rng.choice([1, 1, 2]))]
    sessions = Session.objects.bulk_create(sessions)
    StageChange.objects.bulk_create(changes)
    return [c for c in people if c.pk not in merged], sessions, changes


def _reference(model, conversion, group_by, since, until, live, sessions, changes):
    by_contact = defaultdict(list)
    for s in sessions:
        if not s.is_bot:
            by_contact[s.contact_id].append(s)
    first_move = {}
    for ch in changes:
        if ch.to_stage == conversion:
            first_move[ch.contact_id] = min(first_move.get(ch.contact_id, ch.changed_at), ch.changed_at)
    credit, touches, total = defaultdict(float), defaultdict(int), 0
    for c in live:
        at = c.created_at if conversion == "created" else first_move.get(c.pk)
        if at is None or not since <= at < until:
            continue
        total += 1
        path = sorted((s for s in by_contact[c.pk] if s.started_at <= at), key=lambda s: (s.started_at, s.pk))
        path = [(s.channel, s.utm_campaign) for s in path] or [(c.channel, c.utm_campaign)]
        for (channel, campaign), share in zip(path, credits(model, len(path)), strict=True):
            key = channel if group_by == "channel" else (campaign or "(none)")
            credit[key] += share
            touches[key] += 1
    return total, dict(credit), dict(touches)


@pytest.mark.parametrize("seed", [4, 2026])
def test_random_journeys_match_the_python_reference(seed):
    rng = random.Random(seed)
    live, sessions, changes = _random_world(rng)
    periods = [(SINCE, UNTIL), (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 7, 15, 6, 30, tzinfo=dt.UTC))]
    for (since, until), conversion, group_by in itertools.product(periods, attribution.CONVERSIONS, attribution.GROUPINGS):
        comparison = attribution.attribution_comparison(conversion=conversion, group_by=group_by, since=since, until=until)
        for model in MODELS:
            total, credit, touches = _reference(model, conversion, group_by, since, until, live, sessions, changes)
            report = attribution.attribution_report(model=model, conversion=conversion, group_by=group_by, since=since, until=until)
            label = (model, conversion, group_by, since)
            assert report.total_conversions == comparison.total_conversions == total, label
            assert total > 0, label
            assert {r.key: r.conversions for r in report.rows} == pytest.approx(credit, abs=1e-9), label
            assert {r.key: r.touches for r in report.rows} == touches, label
            assert {r.key: r.conversions[model] for r in comparison.rows} == pytest.approx(credit, abs=1e-9), label
            assert sum(r.conversions for r in report.rows) == pytest.approx(total)
            assert sum(r.share for r in report.rows) == pytest.approx(1.0)
            credits_in_order = [round(r.conversions, 9) for r in report.rows]
            assert credits_in_order == sorted(credits_in_order, reverse=True), label
