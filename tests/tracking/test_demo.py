"""The demo's tracked behaviour: visits that brought the inbound contacts, and anonymous traffic."""

import datetime as dt

import pytest

from sarnakh.contacts.demo import load_demo
from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.tracking.demo import load_tracking_demo
from sarnakh.tracking.models import Event, Session, Site, Visitor
from sarnakh.tracking.selectors import pages_report

pytestmark = pytest.mark.django_db
MOMENT = dt.datetime(2026, 3, 21, 9, 30, tzinfo=dt.UTC)


def test_given_demo_contacts_when_loading_tracking_demo_then_inbound_contacts_have_their_first_visit():
    with clock.frozen_at(MOMENT):
        load_demo(contacts=80, companies=10, seed=3, days=60)
        summary = load_tracking_demo(seed=3, anonymous_visitors=50)
    inbound = Contact.objects.filter(source_type="inbound")
    assert "sessions" in summary and inbound.exists()
    for contact in inbound:
        first = Session.objects.filter(contact=contact).order_by("started_at").first()
        assert first is not None and first.started_at < contact.created_at
    # every event sits in a session of its visitor and is already processed
    assert not Event.objects.filter(session__isnull=True).exists()
    assert not Event.objects.filter(processed_at__isnull=True).exists()
    assert Visitor.objects.filter(contact__isnull=True).count() == 50
    with clock.frozen_at(MOMENT):
        rows = pages_report(since=MOMENT - dt.timedelta(days=120), until=MOMENT + dt.timedelta(days=1))
    assert rows and rows[0].views >= rows[-1].views


def test_the_tracking_demo_is_reproducible():
    with clock.frozen_at(MOMENT):
        load_demo(contacts=30, companies=5, seed=4, days=30)
        load_tracking_demo(seed=4, anonymous_visitors=10)
    first = sorted(Event.objects.values_list("visitor_id", "path", "occurred_at"))
    Event.objects.all().delete()
    Session.objects.all().delete()
    Visitor.objects.all().delete()
    Site.objects.all().delete()
    with clock.frozen_at(MOMENT):
        load_tracking_demo(seed=4, anonymous_visitors=10)
    assert sorted(Event.objects.values_list("visitor_id", "path", "occurred_at")) == first


def test_no_demo_visit_lies_in_the_future():
    with clock.frozen_at(MOMENT):
        load_demo(contacts=60, companies=5, seed=5, days=20)
        load_tracking_demo(seed=5, anonymous_visitors=10)
    assert not Event.objects.filter(occurred_at__gt=MOMENT).exists()
