"""Double opt-in: a form's consent counts once the visitor confirms it from an email sent to
a real SMTP server; the confirmation records time, IP and the consent text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from sarnakh.contacts.models import Activity
from sarnakh.contacts.selectors import contact_get
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.optin.models import PendingOptIn
from sarnakh.mail.subscriptions.models import Suppression
from tests.capture.forms.support import CONSENT_EN, make_form, post_json, submission_body
from tests.mail.optin.conftest import double_opt_in_form, link_path, parts

pytestmark = pytest.mark.django_db


def _submit(form, address="sara@example.com", **extra):
    response = post_json(form.slug, {**submission_body(address), **extra}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code in (200, 201, 202), response.content
    run_pending_jobs()


def _contact(address="sara@example.com"):
    from sarnakh.contacts.models import Contact

    return contact_get(Contact.objects.get(email=address).pk)


def _marketing(contact, key):
    return delivery.email_send(to=contact.email, subject="Spring news", html="<p>News</p>", text="News", kind="marketing",
                               idempotency_key=key, contact_id=contact.pk, topic="newsletter")


def test_given_a_double_opt_in_form_when_submitted_then_one_email_and_consent_waits_for_the_post(inbox):
    # given
    form = double_opt_in_form()
    # when a visitor ticks the consent box and submits
    _submit(form)
    # then one confirmation email arrived, and the contact is not subscribed yet
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"].addresses[0].addr_spec == "sara@example.com"
    assert "List-Unsubscribe" not in message  # transactional: no unsubscribe headers
    text, html = parts(message)
    assert CONSENT_EN in text and CONSENT_EN in html and 'dir="ltr"' in html
    contact = _contact()
    assert contact.consent == "not_asked"
    with pytest.raises(delivery.SendRefused) as refused:
        _marketing(contact, "spring-1")
    assert refused.value.reason == "no_consent"
    # when a mail scanner opens the link (GET)
    path = link_path(message, "/o/")
    page = Client().get(path)
    # then a button is shown and nothing changed
    assert page.status_code == 200 and b"Confirm my subscription" in page.content and page["Cache-Control"] == "no-store"
    assert _contact().consent == "not_asked"
    # when the visitor presses the button (POST, no cookies)
    client = Client(enforce_csrf_checks=True)
    done = client.post(path, REMOTE_ADDR="198.51.100.9", HTTP_USER_AGENT="Firefox")
    # then the contact is subscribed, with the proof
    assert done.status_code == 200 and b"your subscription is confirmed" in done.content
    contact = _contact()
    assert contact.consent == "subscribed" and contact.consent_at is not None
    assert "198.51.100.9" in contact.consent_method and form.slug in contact.consent_method
    pending = PendingOptIn.objects.get()
    assert (pending.confirmed_ip, pending.requested_ip, pending.consent_text) == ("198.51.100.9", "203.0.113.7", CONSENT_EN)
    rows = Activity.objects.filter(contact_id=contact.pk, kind="email_opt_in")
    assert rows.count() == 1
    assert rows[0].data["consent_text"] == CONSENT_EN and rows[0].data["confirmed_ip"] == "198.51.100.9"
    assert Activity.objects.filter(contact_id=contact.pk, kind="updated").exists()  # contacts' own row of the change
    # and marketing email may go now
    assert _marketing(contact, "spring-2").status == "sent"
    # when the link is followed again and the jobs run again
    again = client.post(path, REMOTE_ADDR="192.0.2.1")
    run_pending_jobs()
    # then nothing changed: one proof row, the first IP, no second confirmation email
    assert again.status_code == 200 and b"your subscription is confirmed" in again.content
    assert rows.count() == 1 and PendingOptIn.objects.get().confirmed_ip == "198.51.100.9"
    assert [m["Subject"] for m in inbox.messages] == ["Please confirm your subscription", "Spring news"]


def test_given_a_tampered_or_expired_link_then_a_clear_page_and_no_consent(inbox):
    form = double_opt_in_form()
    _submit(form)
    path = link_path(inbox.messages[0], "/o/")
    client = Client()
    # when the token is altered
    tampered = client.post(path[:-3] + ("abc" if not path.endswith("abc") else "xyz"))
    # then the page says the link is not valid, and names nothing
    assert tampered.status_code == 404 and b"Link not valid" in tampered.content
    assert client.get("/o/not-a-token").status_code == 404
    # when the genuine link is used after its 7 days
    pending = PendingOptIn.objects.get()
    assert pending.expires_at - pending.created_at == dt.timedelta(days=7)
    with clock.frozen_at(pending.expires_at + dt.timedelta(seconds=1)):
        shown = client.get(path)
        expired = client.post(path)
    # then it says so and asks for the form again; the contact stays unsubscribed
    assert shown.status_code == 410 and expired.status_code == 410
    assert b"has expired" in expired.content and b"Fill in the form again" in expired.content
    assert _contact().consent == "not_asked" and PendingOptIn.objects.get().confirmed_at is None


def test_given_a_persian_form_then_the_email_and_page_are_persian_and_right_to_left(inbox):
    form = double_opt_in_form(language="fa")
    post_json(form.slug, {**submission_body("mina@example.com"), "_lang": "fa"})
    run_pending_jobs()
    message = inbox.messages[0]
    text, html = parts(message)
    assert 'dir="rtl"' in html and 'lang="fa"' in html
    assert "خبرنامه را برایم بفرست." in html  # the consent text the visitor saw, in Persian
    assert message["Subject"] != "Please confirm your subscription"  # translated
    page = Client().get(link_path(message, "/o/")).content.decode()
    assert 'dir="rtl"' in page and 'lang="fa"' in page


def test_given_a_form_without_double_opt_in_then_consent_is_immediate_and_no_email(inbox):
    form = make_form(slug="plain")
    _submit(form)
    assert _contact().consent == "subscribed" and inbox.messages == [] and not PendingOptIn.objects.exists()


def test_given_no_consent_or_already_subscribed_then_no_confirmation_email(inbox):
    form = double_opt_in_form()
    # a visitor who does not tick the box
    _submit(form, "no-box@example.com", consent=False)
    # a contact subscribed already
    from sarnakh.contacts.services import contact_upsert
    from sarnakh.core.actor import Actor

    contact_upsert(data={"email": "old@example.com", "consent": "subscribed"}, actor=Actor.system())
    _submit(form, "old@example.com")
    assert inbox.messages == [] and not PendingOptIn.objects.exists()


def test_given_an_address_that_unsubscribed_from_all_when_confirmed_then_the_suppression_goes(inbox):
    from sarnakh.mail.subscriptions import services as subscriptions

    form = double_opt_in_form()
    _submit(form)
    Client().post(link_path(inbox.messages[0], "/o/"))
    subscriptions.unsubscribe_all(contact_id=_contact().pk, via="one_click")
    # when they fill in the form again and confirm again
    _submit(form, _idempotency_key="second")
    assert len(inbox.messages) == 2
    Client().post(link_path(inbox.messages[1], "/o/"))
    # then the unsubscribe is lifted (their own new, confirmed consent), with a record of why
    assert _contact().consent == "subscribed"
    assert not Suppression.objects.filter(address="sara@example.com").exists()
    from sarnakh.mail.subscriptions.models import SuppressionRemoval

    assert "Double opt-in" in SuppressionRemoval.objects.get().why


def test_given_the_smtp_server_fails_for_now_then_the_delivery_retries_and_sends_once(inbox):
    form = double_opt_in_form()
    inbox.refuse["sara@example.com"] = "451 try again later"
    _submit(form)
    # then nothing was sent, and the delivery is rolled back to be retried whole
    assert inbox.messages == [] and not PendingOptIn.objects.filter(email_id__isnull=False).exists()
    # when the server accepts again and the retry comes due
    inbox.refuse.clear()
    from sarnakh.core.events import deliver
    from sarnakh.core.models import EventDelivery

    retrying = EventDelivery.objects.get(subscriber="mail.optin_confirmation_email")
    assert retrying.status == "retrying"
    assert deliver(batch=retrying.batch, subscriber_key=retrying.subscriber) == "done"  # what its retry job does
    run_pending_jobs()
    assert len(inbox.messages) == 1 and PendingOptIn.objects.get().email_id is not None


def test_given_a_confirmed_opt_in_then_the_contact_page_shows_the_proof(inbox, admin_client):
    _submit(double_opt_in_form())
    waiting = admin_client.get(f"/contacts/{_contact().pk}/").content.decode()
    assert "Consent (waiting for email confirmation)" in waiting
    Client().post(link_path(inbox.messages[0], "/o/"), REMOTE_ADDR="198.51.100.9")
    page = admin_client.get(f"/contacts/{_contact().pk}/").content.decode()
    assert "Subscription confirmed by email" in page and CONSENT_EN in page and "198.51.100.9" in page


def test_given_a_name_with_markup_then_the_text_part_is_plain_and_the_html_escaped(inbox):
    form = double_opt_in_form()
    post_json(form.slug, submission_body(first_name="Tom & <Jerry>"))
    run_pending_jobs()
    text, html = parts(inbox.messages[0])
    assert "Hello Tom & <Jerry>," in text
    assert "Tom &amp; &lt;Jerry&gt;" in html and "<Jerry>" not in html


def test_given_many_submissions_for_one_address_then_at_most_three_emails_a_day(inbox):
    form = double_opt_in_form()
    for attempt in range(5):
        post_json(form.slug, {**submission_body("victim@example.com"), "_idempotency_key": f"k-{attempt}"})
        run_pending_jobs()
    # then three emails went out; the other submissions are kept, marked, not emailed
    assert len(inbox.messages) == 3
    assert sorted(PendingOptIn.objects.values_list("send_refused", flat=True)) == ["", "", "", "rate_limited", "rate_limited"]
