"""Other apps' events about a contact (mail's email opens, clicks and bounces): stored once
on the contact, announced as behaviour, and left alone by the event processor."""

from __future__ import annotations

import pytest

from sarnakh.contacts.merge import contact_merge
from sarnakh.contacts.services import contact_delete, contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.models import EventRecord
from sarnakh.tracking import processor, services
from sarnakh.tracking.models import Event

pytestmark = pytest.mark.django_db

ACTOR = Actor.system("tests")


def _contact(email: str) -> int:
    return contact_upsert(data={"email": email}, actor=ACTOR).contact.pk


def _event(contact_id: int, event_id: str = "email-click-1", name: str = "email_click") -> services.ContactEvent:
    return services.ContactEvent(contact_id=contact_id, name=name, event_id=event_id, at=clock.now(),
                                 url="https://example.ir/pricing?utm_medium=email", properties={"email_id": 1})


def test_given_events_about_a_contact_when_recorded_twice_then_they_are_stored_and_announced_once():
    contact_id = _contact("nima@example.ir")
    assert services.contact_events_record(events=[_event(contact_id), _event(contact_id, "email-open-1", "email_open")]) == 2
    assert services.contact_events_record(events=[_event(contact_id)]) == 0
    assert set(Event.objects.filter(contact_id=contact_id).values_list("name", "path")) == {
        ("email_click", "/pricing"), ("email_open", "/pricing")}
    [announced] = EventRecord.objects.filter(name="behaviour.recorded")
    assert announced.payload["via"] == "recorded" and announced.payload["names"] == ["email_click", "email_open"]
    assert announced.payload["events"] == 2


def test_given_a_merged_away_contact_when_recorded_then_the_event_goes_to_the_survivor_and_a_deleted_ones_nowhere():
    survivor, loser, gone = _contact("a@example.ir"), _contact("b@example.ir"), _contact("c@example.ir")
    contact_merge(survivor_id=survivor, loser_id=loser, actor=ACTOR)
    contact_delete(contact_id=gone, actor=ACTOR)
    services.contact_events_record(events=[_event(loser, "e-1"), _event(gone, "e-2")])
    assert list(Event.objects.filter(event_id__in=["e-1", "e-2"]).values_list("event_id", "contact_id")) == [("e-1", survivor)]


def test_given_recorded_events_when_the_processor_runs_then_they_stay_on_the_contact_and_are_not_announced_again():
    contact_id = _contact("nima@example.ir")
    services.contact_events_record(events=[_event(contact_id)])
    processor.process_all_pending()
    event = Event.objects.get(event_id="email-click-1")
    assert (event.contact_id, event.error, event.is_bot, event.session_id) == (contact_id, "", False, None)
    assert event.processed_at is not None
    assert EventRecord.objects.filter(name="behaviour.recorded").count() == 1


def test_more_than_a_batch_is_refused():
    with pytest.raises(ValueError):
        services.contact_events_record(events=[_event(1, f"e-{i}") for i in range(services.MAX_CONTACT_EVENTS + 1)])
