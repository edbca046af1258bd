"""Applying bounce reports: hard bounce → suppression, bounced_hard, email.bounced and a
timeline row, and a later marketing send is refused; soft bounces add up; complaints;
the same report twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts.models import Activity
from sarnakh.core import clock
from sarnakh.core.models import EventRecord
from sarnakh.mail.bounces import services
from sarnakh.mail.bounces.models import Bounce, FeedbackReceipt
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.delivery.services import SendRefused
from sarnakh.mail.subscriptions.models import Suppression
from tests.mail.bounces.conftest import report, send, subscriber

pytestmark = pytest.mark.django_db


def test_given_a_postfix_hard_bounce_then_the_address_is_suppressed_and_a_later_marketing_email_is_refused(sender):
    row = send("news-1")

    applied = services.report_apply(raw=report("postfix.eml", row=row))

    assert applied.outcome == "hard" and applied.reason == "dsn"
    row.refresh_from_db()
    assert row.status == "bounced_hard" and "5.1.1" in row.last_error
    assert Suppression.objects.filter(address="maryam@example.org", reason="hard_bounce").exists()
    event = EventRecord.objects.get(name="email.bounced")
    assert event.payload["bounce"] == "hard" and event.payload["email_id"] == row.pk and event.contact_id == row.contact_id
    assert Activity.objects.filter(contact_id=row.contact_id, kind="email_bounced", data__email_id=row.pk).exists()
    [bounce] = Bounce.objects.all()
    assert (bounce.kind, bounce.status_code, bounce.email_id, bounce.contact_id) == ("hard", "5.1.1", row.pk, row.contact_id)
    with pytest.raises(SendRefused) as refused:
        send("news-2", contact_id=row.contact_id)
    assert refused.value.reason == "hard_bounce"


def test_given_the_same_dsn_twice_then_it_has_one_effect(sender):
    row = send("news-1")
    raw = report("postfix.eml", row=row)

    first, second = services.report_apply(raw=raw), services.report_apply(raw=raw)

    assert (first.outcome, second.outcome) == ("hard", "duplicate")
    assert Bounce.objects.count() == 1 and FeedbackReceipt.objects.count() == 1
    assert EventRecord.objects.filter(name="email.bounced").count() == 1
    assert Suppression.objects.filter(reason="hard_bounce").count() == 1


def test_given_the_same_bounce_in_two_reports_then_it_is_recorded_twice_but_published_once(sender):
    row = send("news-1")
    services.report_apply(raw=report("postfix.eml", row=row))

    again = report("postfix.eml", row=row).replace(b"3F2A1C0123@mail.example.ir", b"second@mail.example.ir")
    assert services.report_apply(raw=again).outcome == "hard"

    assert Bounce.objects.count() == 2
    assert EventRecord.objects.filter(name="email.bounced").count() == 1


def test_given_an_office_365_ndr_without_verp_then_the_original_message_id_attributes_it(sender):
    other = send("other", to="someone@example.org")
    row = send("news-1")

    services.report_apply(raw=report("office365.eml", row=row))

    row.refresh_from_db()
    other.refresh_from_db()
    assert row.status == "bounced_hard" and other.status == "sent"
    assert Bounce.objects.get().email_id == row.pk


def test_given_an_exim_bounce_naming_only_the_recipient_then_its_latest_message_is_attributed(sender):
    row = send("news-1")

    assert services.report_apply(raw=report("exim.eml", to=row.to_address)).outcome == "hard"

    assert Bounce.objects.get().email_id == row.pk
    assert Suppression.objects.filter(address=row.to_address, reason="hard_bounce").exists()


def test_given_a_bounce_for_an_address_never_mailed_then_it_is_still_suppressed(sender):
    services.report_apply(raw=report("exim.eml", to="stranger@example.org"))

    assert Suppression.objects.filter(address="stranger@example.org", reason="hard_bounce").exists()
    assert Bounce.objects.get().email_id is None
    assert EventRecord.objects.get(name="email.bounced").contact_id is None


def test_given_a_soft_bounce_then_it_is_recorded_and_published_but_the_address_is_not_suppressed(sender):
    row = send("news-1")

    assert services.report_apply(raw=report("gmail_delay.eml", row=row)).outcome == "soft"

    row.refresh_from_db()
    assert row.status == "sent"
    assert EventRecord.objects.get(name="email.bounced").payload["bounce"] == "soft"
    assert Activity.objects.filter(contact_id=row.contact_id, kind="email_soft_bounced").exists()
    assert not Suppression.objects.exists()


def _soft_bounce_on(day: dt.datetime, key: str, contact_id: int):
    with clock.frozen_at(day):
        row = send(key, contact_id=contact_id)
        services.report_apply(raw=report("gmail_delay.eml", row=row).replace(b"GMR@mx.google.com", key.encode()))
    return row


def test_given_three_soft_bounces_over_a_week_then_the_address_is_suppressed_as_a_hard_bounce(sender):
    contact_id = subscriber("maryam@example.org")
    start = clock.now()

    _soft_bounce_on(start, "n1", contact_id)
    _soft_bounce_on(start + dt.timedelta(days=3), "n2", contact_id)
    assert not Suppression.objects.exists()
    _soft_bounce_on(start + dt.timedelta(days=7), "n3", contact_id)

    suppression = Suppression.objects.get()
    assert suppression.reason == "hard_bounce" and "3 soft bounces" in suppression.source
    assert EventRecord.objects.filter(name="email.bounced", payload__bounce="hard").count() == 1


def test_given_three_soft_bounces_in_one_day_then_the_address_is_not_suppressed(sender):
    contact_id = subscriber("maryam@example.org")
    start = clock.now()
    for hour, key in enumerate(("n1", "n2", "n3")):
        _soft_bounce_on(start + dt.timedelta(hours=hour), key, contact_id)

    assert not Suppression.objects.exists()


def test_given_a_delivery_between_soft_bounces_then_the_count_starts_again(sender):
    contact_id = subscriber("maryam@example.org")
    start = clock.now()
    _soft_bounce_on(start, "n1", contact_id)
    _soft_bounce_on(start + dt.timedelta(days=3), "n2", contact_id)
    OutboundEmail.objects.filter(idempotency_key="n2").update(delivered_at=start + dt.timedelta(days=4))
    _soft_bounce_on(start + dt.timedelta(days=8), "n3", contact_id)

    assert not Suppression.objects.exists()


def test_given_an_arf_complaint_then_the_address_is_suppressed_and_email_complained_is_published(sender):
    row = send("news-1")

    assert services.report_apply(raw=report("arf_complaint.eml", row=row)).outcome == "complaint"

    assert Suppression.objects.filter(address=row.to_address, reason="complaint").exists()
    event = EventRecord.objects.get(name="email.complained")
    assert event.contact_id == row.contact_id and event.payload["email_id"] == row.pk and event.payload["via"] == "mailbox"
    assert Activity.objects.filter(contact_id=row.contact_id, kind="email_complained").exists()
    with pytest.raises(SendRefused):
        send("news-2", contact_id=row.contact_id)


def test_given_an_out_of_office_reply_then_nothing_changes_and_the_reason_is_kept(sender):
    row = send("news-1")

    applied = services.report_apply(raw=report("out_of_office.eml", row=row))

    assert (applied.outcome, applied.reason) == ("ignored", "auto_reply")
    assert FeedbackReceipt.objects.get().reason == "auto_reply"
    assert not Bounce.objects.exists() and not Suppression.objects.exists()
    assert not EventRecord.objects.filter(name__in=["email.bounced", "email.complained"]).exists()


@pytest.mark.parametrize(("kind", "persian"), [("email_complained", "ایمیل هرزنامه گزارش شد"),
                                               ("email_soft_bounced", "ایمیل موقتاً برگشت خورد")])
def test_given_a_persian_page_then_the_timeline_rows_read_in_persian_with_the_subject_isolated(kind, persian):
    from django.utils import translation

    from sarnakh.core.timeline import render_entry

    with translation.override("fa"):
        entry = render_entry(kind, {"subject": "News <b>", "to": "maryam@example.org", "error": "452 4.2.2"}, None)
    assert persian in entry.title and "<bdi" in entry.title and "&lt;b&gt;" in entry.title
