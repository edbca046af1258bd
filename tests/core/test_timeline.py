"""The timeline's kinds are registered by the apps that own them; one writer for all."""

import pytest

from sarnakh.contacts.models import Activity
from sarnakh.contacts.services import contact_upsert
from sarnakh.contacts.timeline_display import describe_activities
from sarnakh.core.actor import Actor
from sarnakh.core.registry import UnknownKey
from sarnakh.core.timeline import TIMELINE_KINDS, TimelineEntry, timeline_kind, timeline_write
from sarnakh.core.ui.formatting import isolate

ACTOR = Actor.system("test")


@pytest.fixture
def contact(db):
    return contact_upsert(data={"email": "tl@example.com"}, actor=ACTOR).contact


@pytest.fixture
def call_logged():
    """A kind some app could add (say a call log), registered for one test."""

    def render(data, values):
        return TimelineEntry(title=f"Call with {data['with']}", facts=[("Outcome", values.value("outcome", data["outcome"]))])

    kind = timeline_kind("test_call_logged", "Call logged", render)
    yield kind
    del TIMELINE_KINDS._specs[kind.key]


def test_given_a_kind_registered_by_another_app_when_written_then_the_page_renders_it(contact, call_logged):
    # given a kind contacts knows nothing about; when a row of it is written
    timeline_write(contact=contact, kind=call_logged.key, actor=ACTOR, data={"with": "Sara", "outcome": "booked"})
    # then it is stored like any row and shown through its own renderer
    row = Activity.objects.get(contact=contact, kind="test_call_logged")
    [line] = describe_activities([row])
    assert line.title == "Call with Sara"
    assert line.facts == [("Outcome", "booked")]
    assert line.actor == isolate("test")  # a name: isolated from the text around it


def test_given_a_contact_id_when_written_then_the_row_belongs_to_that_contact(contact, call_logged):
    timeline_write(contact=contact.pk, kind=call_logged.key, actor=ACTOR, data={"with": "Ali", "outcome": "no answer"})
    assert Activity.objects.filter(contact=contact, kind=call_logged.key).count() == 1


def test_given_an_unregistered_kind_when_written_then_it_raises_and_writes_nothing(contact):
    before = Activity.objects.count()
    with pytest.raises(UnknownKey, match="unknown timeline kind 'nobody_owns_this'"):
        timeline_write(contact=contact, kind="nobody_owns_this", actor=ACTOR)
    assert Activity.objects.count() == before


def test_given_a_stored_row_of_an_unknown_kind_when_shown_then_it_raises(contact):
    row = Activity.objects.create(contact=contact, kind="nobody_owns_this", occurred_at=contact.created_at, data={})
    with pytest.raises(UnknownKey):
        describe_activities([row])


def test_the_kinds_each_app_writes_are_registered():
    # contacts, capture (forms, imports), tracking and scoring each register their own
    for key in ("created", "updated", "stage_changed", "merged", "note_added", "tagged", "owner_changed",
                "form_submitted", "imported", "identified", "event", "score"):
        assert key in TIMELINE_KINDS
