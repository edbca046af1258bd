"""A form submission on the contact's timeline: one row, capture's, with the answers, the
page it came from (readable, linked as stored) and the consent. Tracking's `form_submitted`
event of the same submission stays stored (scoring reads it) but is not shown beside it."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.capture.forms.intake import RequestMeta, submission_receive
from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.tracking.models import Event
from sarnakh.tracking.processor import process_all_pending
from tests.capture.forms.support import make_form

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)
PAGE = "https://www.example.ir/%D9%82%DB%8C%D9%85%D8%AA?utm_source=nl"


def _submit(visitor_id: str) -> Contact:
    form = make_form()
    with clock.frozen_at(T0):
        outcome = submission_receive(
            form=form, fields={"email": "sara@example.com", "first_name": "Sara", "interest": "crm"},
            context={"visitor_id": visitor_id, "page_url": PAGE}, meta=RequestMeta(ip="10.0.0.1"), consent=True,
        )
        assert outcome.accepted, outcome.errors
        run_pending_jobs()
    process_all_pending()
    return Contact.objects.get(email="sara@example.com")


@pytest.mark.parametrize("visitor_id", ["", "v-42"], ids=["no visit", "in a visit"])
def test_given_a_form_submission_when_opening_the_contact_then_it_is_on_the_timeline_once(admin_client, visitor_id):
    contact = _submit(visitor_id)
    # both writers wrote: capture's timeline row and tracking's event
    assert Activity.objects.filter(contact=contact, kind="form_submitted").count() == 1
    assert Event.objects.filter(contact=contact, name="form_submitted").count() == 1

    timeline = admin_client.get(f"/contacts/{contact.pk}/").content.decode().split('id="timeline-list"')[1]

    assert timeline.count("Submitted the form") == 1
    assert "Form submitted" not in timeline


def test_given_a_form_submission_then_its_row_shows_answers_page_and_consent(admin_client):
    contact = _submit("")

    timeline = admin_client.get(f"/contacts/{contact.pk}/").content.decode().split('id="timeline-list"')[1]

    assert 'Submitted the form “<bdi class="uv" dir="auto">Contact us</bdi>”' in timeline
    assert '<span class="tl-field">Interest:</span> <bdi class="uv" dir="auto">crm</bdi>' in timeline
    assert f'<a href="{PAGE}"' in timeline and "https://www.example.ir/قیمت?utm_source=nl</bdi></a>" in timeline
    assert "Send me the newsletter." in timeline


def test_given_persian_reader_then_the_submission_row_reads_in_persian(admin_client):
    contact = _submit("")
    admin_client.cookies["django_language"] = "fa"

    timeline = admin_client.get(f"/contacts/{contact.pk}/").content.decode().split('id="timeline-list"')[1]

    assert 'فرم «<bdi class="uv" dir="auto">Contact us</bdi>» را ارسال کرد' in timeline
