"""A form submission links the visitor's anonymous history to the new contact."""

import datetime as dt

import pytest

from sarnakh.capture.forms.intake import RequestMeta, submission_receive
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.tracking.contact_page import IDENTIFIED
from sarnakh.tracking.models import Event, Session, Visitor
from sarnakh.tracking.processor import process_all_pending
from tests.capture.forms.support import make_form
from tests.tracking.factories import make_site, page_view, post_events, track

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def iso(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def submit(form, visitor_id: str, email: str, *, minutes: float):
    with clock.frozen_at(T0 + dt.timedelta(minutes=minutes)):
        outcome = submission_receive(
            form=form, fields={"email": email, "first_name": "Sara"},
            context={"visitor_id": visitor_id, "page_url": "https://www.example.com/contact"}, meta=RequestMeta(ip="10.0.0.1"),
        )
        assert outcome.accepted, outcome.errors
        run_pending_jobs()


def test_pre_form_history_lands_on_the_new_contact_with_first_touch(client):
    # given an anonymous visitor who came from a newsletter campaign, read three pages and clicked a CTA
    site, form = make_site(), make_form()
    with clock.frozen_at(T0 + dt.timedelta(minutes=4)):
        post_events(client, {"site_key": site.key, "events": [
            page_view("v-42", "https://www.example.com/?utm_source=nl&utm_medium=email&utm_campaign=spring", at=iso(0)),
            page_view("v-42", "https://www.example.com/pricing", at=iso(1)),
            page_view("v-42", "https://www.example.com/contact", at=iso(2)),
            track("v-42", "cta_click", at=iso(3), url="https://www.example.com/contact", properties={"label": "Book a demo"}),
        ]})
    process_all_pending()
    # when they submit the form with that visitor id
    submit(form, "v-42", "sara@example.com", minutes=5)
    process_all_pending()
    # then the contact owns the history, in order, ending with the submission
    contact = Contact.objects.get(email="sara@example.com")
    names = list(Event.objects.filter(contact=contact).order_by("occurred_at").values_list("type", "name", "path"))
    assert names == [("page_view", "", "/"), ("page_view", "", "/pricing"), ("page_view", "", "/contact"),
                     ("track", "cta_click", "/contact"), ("track", "form_submitted", "/contact")]
    session = Session.objects.get()
    assert session.contact_id == contact.pk and session.event_count == 5
    assert Visitor.objects.get().identified_by == "form"
    # and the first touch is the campaign visit, classified
    assert (contact.channel, contact.utm_campaign, contact.utm_medium) == ("email", "spring", "email")
    assert Activity.objects.filter(contact=contact, kind=IDENTIFIED).count() == 1


def test_events_that_arrive_after_the_submission_still_reach_the_contact_and_first_touch(client):
    # given a form submitted before the tracker's queued events arrived (beacon on page hide)
    site, form = make_site(), make_form()
    submit(form, "v-7", "late@example.com", minutes=5)
    process_all_pending()
    with clock.frozen_at(T0 + dt.timedelta(minutes=6)):
        post_events(client, {"site_key": site.key, "events": [
            page_view("v-7", "https://www.example.com/?utm_source=t.me&utm_medium=social&utm_campaign=launch", at=iso(0)),
        ]})
    process_all_pending()
    contact = Contact.objects.get(email="late@example.com")
    assert Event.objects.filter(contact=contact, type="page_view").count() == 1
    assert (contact.channel, contact.utm_campaign) == ("social", "launch")


def test_a_submission_without_a_visitor_still_records_the_event_once(client):
    form = make_form()
    submit(form, "", "novisit@example.com", minutes=0)
    process_all_pending()
    from sarnakh.capture.forms.models import FormSubmission
    from sarnakh.capture.forms.processing import submission_process

    submission_process(submission_id=FormSubmission.objects.get().pk)  # a retry of a processed one is a no-op
    process_all_pending()
    event = Event.objects.get()
    assert (event.name, event.contact.email, event.session_id) == ("form_submitted", "novisit@example.com", None)
