"""Sarnakh's own history as rows for the predictive model: the target from the stage
history, and the leakage guard (values and behaviour as of the outcome moment)."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts import services as contacts
from sarnakh.contacts.settings_services import property_define
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.scoring.predictive.features import DataError
from sarnakh.scoring.predictive.own_data import ORDER, TARGET, build_own_data
from sarnakh.tracking.models import Event

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
ACTOR = Actor.system("test")


def _contact(email: str, at: dt.datetime, **data):
    with clock.frozen_at(at):
        return contacts.contact_upsert(data={"email": email, **data}, actor=ACTOR).contact


def _event(contact, at: dt.datetime, *, kind: str = "page_view", name: str = "", path: str = "/pricing") -> None:
    Event.objects.create(
        source="internal", event_id=f"e-{contact.pk}-{at.timestamp()}-{name}{path}", type=kind, name=name, path=path,
        occurred_at=at, received_at=at, processed_at=at, contact=contact,
    )


def _row(data, contact) -> dict:
    index = list(data.contact_ids).index(contact.pk)
    return {name: data.table.cells[name][index] for name in data.table.columns}


def test_given_values_changed_after_the_customer_moment_the_rows_use_the_values_as_of_that_moment():
    property_define(object_type="contact", key="budget", label="Budget", type="text")
    buyer = _contact("buyer@acme.example", START, job_title="Engineer", properties={"budget": "unknown yet"})
    with clock.frozen_at(START + dt.timedelta(days=3)):
        contacts.contact_update(contact_id=buyer.pk, data={"job_title": "Sales Manager", "properties": {"budget": "yes"}}, actor=ACTOR)
    customer_at = START + dt.timedelta(days=10)
    with clock.frozen_at(customer_at):
        contacts.contact_change_stage(contact_id=buyer.pk, stage_key="customer", actor=ACTOR)
    with clock.frozen_at(START + dt.timedelta(days=12)):  # after the outcome: sales update the record
        contacts.contact_update(contact_id=buyer.pk, data={"job_title": "Head of Sales", "properties": {"budget": "signed"}, "country": "DE"}, actor=ACTOR)
    with clock.frozen_at(START + dt.timedelta(days=13)):
        contacts.contact_update(contact_id=buyer.pk, data={"job_title": "CEO"}, actor=ACTOR)
    other = _contact("other@acme.example", START + dt.timedelta(days=1), job_title="Student")
    with clock.frozen_at(START + dt.timedelta(days=20)):
        contacts.contact_update(contact_id=other.pk, data={"job_title": "Intern"}, actor=ACTOR)

    data = build_own_data(now=START + dt.timedelta(days=90))

    row = _row(data, buyer)
    assert row["job_title"] == "Sales Manager"  # not "Head of Sales" nor "CEO"
    assert row["property: budget"] == "yes"
    assert row["country"] is None  # set only after the outcome
    assert row[TARGET] == "1"
    assert data.as_of[list(data.contact_ids).index(buyer.pk)] == customer_at
    assert data.counts["rewound_values"] == 3  # job_title, budget, country
    # a contact that never reached the target is described as it is now
    assert _row(data, other)["job_title"] == "Intern"
    assert _row(data, other)[TARGET] == "0"
    assert "stage" not in data.table.columns and "lead_status" not in data.table.columns


def test_behaviour_after_the_outcome_is_not_counted():
    buyer = _contact("buyer@acme.example", START)
    customer_at = START + dt.timedelta(days=10)
    for day in (1, 2, 9):
        _event(buyer, START + dt.timedelta(days=day))
    _event(buyer, START + dt.timedelta(days=4), kind="track", name="demo_requested", path="/demo")
    for day in (11, 12, 13, 30):  # a customer reading the pricing page and logging in afterwards
        _event(buyer, START + dt.timedelta(days=day))
        _event(buyer, START + dt.timedelta(days=day), kind="track", name="product_login", path="/app")
    with clock.frozen_at(customer_at):
        contacts.contact_change_stage(contact_id=buyer.pk, stage_key="customer", actor=ACTOR)
    browser = _contact("browser@acme.example", START)
    for day in (1, 40, 60):
        _event(browser, START + dt.timedelta(days=day), path="/blog/post")

    data = build_own_data(now=START + dt.timedelta(days=90))

    row = _row(data, buyer)
    assert row["page_views"] == "3" and row["pricing_page_views"] == "3"
    assert row["custom_events"] == "1" and row["event: demo_requested"] == "1"
    assert row["event: product_login"] == "0"
    assert row["days_active"] == "4"
    other = _row(data, browser)
    assert other["page_views"] == "3" and other["pricing_page_views"] == "0"


def test_young_contacts_and_contacts_created_at_the_target_are_scored_but_not_learned_from():
    old = _contact("old@acme.example", START)
    young = _contact("young@acme.example", START + dt.timedelta(days=80))
    imported_customer = _contact("imported@acme.example", START, stage="customer")

    data = build_own_data(now=START + dt.timedelta(days=90), min_age_days=30)

    assert _row(data, old)[TARGET] == "0"
    assert _row(data, young)[TARGET] is None
    assert _row(data, imported_customer)[TARGET] is None
    assert data.counts["too_recent"] == 1 and data.counts["created_at_target"] == 1
    assert data.reached[list(data.contact_ids).index(imported_customer.pk)]
    assert _row(data, old)[ORDER].startswith("2026-01-05")


def test_a_funnel_target_counts_contacts_that_went_past_it():
    straight_to_customer = _contact("fast@acme.example", START)
    with clock.frozen_at(START + dt.timedelta(days=5)):
        contacts.contact_change_stage(contact_id=straight_to_customer.pk, stage_key="customer", actor=ACTOR)
    stays_lead = _contact("slow@acme.example", START)

    data = build_own_data(target_stage="sql", now=START + dt.timedelta(days=90))

    assert "customer" in data.reached_stages and "mql" not in data.reached_stages
    assert _row(data, straight_to_customer)[TARGET] == "1"
    assert _row(data, stays_lead)[TARGET] == "0"


def test_an_unknown_target_stage_is_refused_with_the_known_ones():
    _contact("a@acme.example", START)

    with pytest.raises(DataError, match="unknown stage 'buyer'.*customer"):
        build_own_data(target_stage="buyer", now=START + dt.timedelta(days=90))
