"""The shipped default model, against the brief's acceptance examples."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sarnakh.scoring.engine import (
    CompanyFacts,
    EventFacts,
    PersonFacts,
    default_model,
    score_contact,
)

NOW = dt.datetime(2025, 4, 10, 15, 0, tzinfo=dt.UTC)
MODEL = default_model()


def page(event_id: int, path: str, minutes_ago: int) -> EventFacts:
    return EventFacts(event_id, "page_view", NOW - dt.timedelta(minutes=minutes_ago), path=path)


def track(event_id: int, name: str, minutes_ago: int) -> EventFacts:
    return EventFacts(event_id, "track", NOW - dt.timedelta(minutes=minutes_ago), name=name)


HOT_EVENTS = [page(1, "/pricing", 50), page(2, "/pricing", 40), page(3, "/pricing/", 30), track(4, "demo_requested", 20)]
BLOG_EVENTS = [page(1, "/blog/first", 50), page(2, "/fa/blog/second", 40), page(3, "/blog/third", 30)]


@pytest.mark.parametrize("title", ["Head of Marketing", "Sales Manager", "مدیر فروش", "مدير فروش"])
def test_a_manager_with_a_company_email_who_reads_pricing_thrice_and_asks_for_a_demo_qualifies(title):
    person = PersonFacts(email="sara@acme.ir", job_title=title)

    result = score_contact(MODEL, person, HOT_EVENTS, NOW)

    assert result.grade == "B"
    assert result.fit == Decimal("35.00")
    assert result.engagement >= 60
    assert result.qualified
    assert {i.rule for i in result.breakdown} == {"company_email", "manager_title", "pricing_page", "demo_requested"}


def test_the_same_lead_reading_only_three_blog_posts_does_not_qualify():
    person = PersonFacts(email="sara@acme.ir", job_title="Sales Manager")
    result = score_contact(MODEL, person, BLOG_EVENTS, NOW)
    assert result.engagement == Decimal("6.00")  # 3 × 2 (minutes of decay round away)
    assert not result.qualified


def test_the_hot_lead_six_months_later_with_no_new_events_no_longer_qualifies():
    person = PersonFacts(email="sara@acme.ir", job_title="Sales Manager")
    later = NOW + dt.timedelta(days=182)
    result = score_contact(MODEL, person, HOT_EVENTS, later)
    assert result.grade == "B"  # fit does not decay
    assert result.engagement < 2
    assert not result.qualified


def test_a_free_mail_address_without_a_manager_title_keeps_the_grade_below_b():
    person = PersonFacts(email="sara@gmail.com", job_title="Intern")
    result = score_contact(MODEL, person, HOT_EVENTS, NOW)
    assert result.grade == "D"
    assert not result.qualified


def test_a_full_fit_profile_reaches_grade_a_and_every_fit_rule_counts():
    person = PersonFacts(
        email="sara@acme.ir", job_title="CEO", country="IR",
        bant={"budget": "yes", "authority": "بله", "need": True, "timeline": "Yes, this quarter"},
        company=CompanyFacts(employee_band="51-200"),
    )
    result = score_contact(MODEL, person, [], NOW)
    assert result.fit == Decimal("70.00")
    assert result.grade == "A"


def test_negative_signals_and_daily_caps_of_the_default_model():
    person = PersonFacts(email="sara@acme.ir")
    events = [track(i, "email_open", 100 - i) for i in range(6)]  # 3 count today
    events += [page(10 + i, "/careers", 10 + i) for i in range(3)]  # once a day
    events += [track(20, "unsubscribed", 5), track(21, "unsubscribed", 4), track(22, "email_bounced", 3)]
    result = score_contact(MODEL, person, events, NOW, include_capped=False)
    by_rule: dict[str, Decimal] = {}
    for item in result.breakdown:
        by_rule[item.rule] = by_rule.get(item.rule, Decimal(0)) + item.raw_points
    assert by_rule == {
        "company_email": Decimal("15.00"),
        "email_open": Decimal("3.00"),
        "careers_page": Decimal("-10.00"),
        "unsubscribed": Decimal("-50.00"),
        "email_bounced": Decimal("-20.00"),
    }


@pytest.mark.parametrize(
    ("event", "rule"),
    [
        (page(1, "/en/case-studies/acme", 1), "case_study_page"),
        (page(1, "/testimonials", 1), "testimonials_page"),
        (page(1, "/fa/demo", 1), "demo_page"),
        (track(1, "download", 1), "download"),
        (track(1, "email_click", 1), "email_click"),
        (track(1, "cta_click", 1), "cta_click"),
        (track(1, "form_submitted", 1), "form_submitted"),
        (track(1, "demo_booked", 1), "demo_requested"),
    ],
)
def test_each_default_engagement_rule_catches_its_event(event, rule):
    result = score_contact(MODEL, PersonFacts(), [event], NOW)
    assert [i.rule for i in result.breakdown] == [rule]


def test_the_target_countries_are_configurable():
    from sarnakh.scoring.engine import default_model as build

    person = PersonFacts(country="AE")
    assert "target_country" not in {i.rule for i in score_contact(MODEL, person, [], NOW).breakdown}
    assert "target_country" in {i.rule for i in score_contact(build(["AE", "IR"]), person, [], NOW).breakdown}
