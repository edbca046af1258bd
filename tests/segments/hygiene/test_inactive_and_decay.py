"""Inactive contacts at the exact edge of the window, the sunset action, list decay."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts import services as contact_services
from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.segments.hygiene import selectors, services
from tests.segments.hygiene.conftest import T0, add_contact, add_event

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
TICK = dt.timedelta(microseconds=1)


def inactive_ids(days: int, now: dt.datetime) -> set[int]:
    return set(selectors.inactive_contacts(days, now=now).values_list("pk", flat=True))


def test_given_a_visit_exactly_n_days_ago_then_the_contact_is_active_and_a_microsecond_later_inactive():
    # given a contact known since T0 whose last human visit was at T0 + 10 days, and a bot hit later
    contact = add_contact(T0, first_name="Kaveh", email="kaveh@example.ir")
    visit = T0 + 10 * DAY
    add_event(contact, visit)
    add_event(contact, visit + 30 * DAY, is_bot=True)
    edge = visit + 180 * DAY
    # then at exactly 180 days after the visit it still counts, and one microsecond later not
    assert contact.pk not in inactive_ids(180, edge)
    assert contact.pk in inactive_ids(180, edge + TICK)
    # and with the clock moved (no explicit now) the selectors agree
    with clock.frozen_at(edge + TICK):
        assert contact.pk in inactive_ids(180, clock.now())


def test_given_a_contact_known_exactly_n_days_without_activity_then_it_is_not_inactive_until_after_that():
    contact = add_contact(T0, first_name="Laura", email="laura@example.de")
    assert contact.pk not in inactive_ids(90, T0 + 90 * DAY)
    assert contact.pk in inactive_ids(90, T0 + 90 * DAY + TICK)


def test_given_inactive_contacts_then_the_breakdown_counts_them_by_source_type_and_channel():
    add_contact(T0, email="a@x.ir", channel="event", source_type="outbound")
    add_contact(T0, email="b@x.ir", channel="event", source_type="outbound")
    add_contact(T0, email="c@x.ir", channel="web_form")
    breakdown = selectors.inactive_breakdown(selectors.inactive_contacts(30, now=T0 + 60 * DAY))
    assert [(r.key, r.count) for r in breakdown["source_type"]] == [("outbound", 2), ("inbound", 1)]
    assert [(r.key, r.count) for r in breakdown["channel"]] == [("event", 2), ("web_form", 1)]


def test_given_inactive_contacts_when_sunset_then_they_move_to_cold_and_unsubscribe_with_timeline_rows():
    # given two inactive contacts and one active one
    quiet = add_contact(T0, first_name="Omar", email="omar@example.com", consent="subscribed")
    also_quiet = add_contact(T0, first_name="Shirin", email="shirin@example.ir")
    busy = add_contact(T0, first_name="Busy", email="busy@example.ir")
    now = T0 + 200 * DAY
    add_event(busy, now - DAY)
    # when all three are sunset (move to cold and unsubscribe)
    with clock.frozen_at(now):
        outcome = services.contacts_sunset(contact_ids=[quiet.pk, also_quiet.pk, busy.pk], days=180, move_to_cold=True,
                                           unsubscribe=True, actor=Actor.system("test"))
    # then the inactive two moved to cold with the reason, and are unsubscribed; the active one is untouched
    assert (outcome.moved, outcome.unsubscribed, outcome.skipped) == (2, 2, 1)
    for contact in (quiet, also_quiet):
        row = Contact.objects.get(pk=contact.pk)
        assert row.stage_id == "cold" and row.consent == "unsubscribed"
        change = StageChange.objects.filter(contact=contact, to_stage="cold").get()
        assert "180" in change.reason
        kinds = set(row.activities.values_list("kind", flat=True))
        assert {"stage_changed", "updated"} <= kinds
    assert Contact.objects.get(pk=busy.pk).stage_id == "lead"
    # and a second sunset changes nothing more
    with clock.frozen_at(now):
        again = services.contacts_sunset(contact_ids=[quiet.pk], days=180, move_to_cold=True, unsubscribe=True, actor=Actor.system("test"))
    assert (again.moved, again.unsubscribed, again.skipped) == (0, 0, 1)


def test_given_no_action_or_too_many_contacts_then_sunset_is_refused_and_nothing_changes():
    contact = add_contact(T0, email="x@example.ir")
    with pytest.raises(ValidationFailed):
        services.contacts_sunset(contact_ids=[contact.pk], days=180, move_to_cold=False, unsubscribe=False, actor=Actor.system("t"))
    with pytest.raises(ValidationFailed):
        services.contacts_sunset(contact_ids=list(range(1, services.MAX_SUNSET + 2)), days=180, move_to_cold=True,
                                 unsubscribe=False, actor=Actor.system("t"))
    assert Contact.objects.get(pk=contact.pk).stage_id == "lead"


def test_given_a_small_list_then_decay_counts_unsubscribes_in_the_window_and_the_inactive_once_each():
    now = T0 + 400 * DAY
    since = now - 365 * DAY
    # marketable all year, then unsubscribed inside the window (and also inactive: counted once)
    gone = add_contact(T0, email="gone@x.ir", channel="event", source_type="outbound")
    with clock.frozen_at(since + DAY):
        contact_services.contact_update(contact_id=gone.pk, data={"consent": "unsubscribed"}, actor=Actor.system("t"))
    # inactive only
    add_contact(T0, email="quiet@x.ir", channel="event", source_type="outbound")
    # active, marketable
    busy = add_contact(T0, email="busy@x.ir", channel="web_form")
    add_event(busy, now - DAY)
    # unsubscribed before the window: not marketable; no email: not marketable
    old = add_contact(T0, email="old@x.ir", channel="web_form")
    with clock.frozen_at(since - DAY):
        contact_services.contact_update(contact_id=old.pk, data={"consent": "unsubscribed"}, actor=Actor.system("t"))
    add_contact(T0, first_name="Phone only", phone="+989121112233")

    decay = selectors.decay(now=now, inactive_days=180)

    assert (decay.total.marketable, decay.total.unsubscribed, decay.total.inactive, decay.total.decayed) == (3, 1, 2, 2)
    assert decay.total.rate == pytest.approx(200 / 3)
    by_source = {r.key: (r.marketable, r.decayed) for r in decay.by_source_type}
    assert by_source == {"outbound": (2, 2), "inbound": (1, 0)}
    by_channel = {r.key: r.rate for r in decay.by_channel}
    assert by_channel == {"event": 100.0, "web_form": 0.0}
    assert decay.total.above_benchmark
