"""The preference centre's "email me again" sends its confirmation email (to a real SMTP
server), once per request, in the contact's language; its link resubscribes on POST."""

from __future__ import annotations

import pytest
from django.test import Client

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.optin import services
from sarnakh.mail.subscriptions import selectors
from sarnakh.mail.subscriptions import services as subscriptions
from sarnakh.mail.subscriptions.models import ResubscribeRequest, Suppression
from sarnakh.mail.subscriptions.tokens import make_token
from tests.mail.optin.conftest import link_path, parts

pytestmark = pytest.mark.django_db


def _unsubscribed(address: str, language: str):
    contact = contact_upsert(data={"email": address, "first_name": "Reza", "consent": "subscribed", "language": language},
                             actor=Actor.system()).contact
    subscriptions.unsubscribe_all(contact_id=contact.pk, via="one_click")
    return contact


def test_given_an_unsubscribed_contact_when_asking_for_topics_again_then_an_email_confirms_it(inbox):
    # given someone who unsubscribed from all
    contact = _unsubscribed("reza@example.com", "en")
    # when they tick the newsletter in the preference centre
    page = Client().post("/p/" + make_token(contact_id=contact.pk), {"topic": ["newsletter"]})
    run_pending_jobs()
    # then the page says "check your inbox" and one email with the confirmation link arrived
    assert page.status_code == 200
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["Subject"] == "Confirm that you want our email again"
    text, html = parts(message)
    assert "Newsletter" in text and "Newsletter" in html and 'dir="ltr"' in html
    path = link_path(message, "/p/confirm/")
    assert path == "/p/confirm/" + ResubscribeRequest.objects.get().token
    # and nothing changed before the button is pressed (a GET is a scanner's)
    Client().get(path)
    assert "unsubscribed_all" in selectors.suppression_reasons("reza@example.com")
    # when they press it
    done = Client(enforce_csrf_checks=True).post(path)
    # then they are resubscribed, on the topic they chose
    assert done.status_code == 200
    assert not Suppression.objects.filter(address="reza@example.com").exists()
    assert selectors.opted_out_topic_keys(contact.pk) == {"product-news", "nurture"}
    from sarnakh.contacts.selectors import contact_get

    assert contact_get(contact.pk).consent == "subscribed"
    # and the email is sent once per request, however often its delivery runs
    pending = ResubscribeRequest.objects.get()
    assert services.resubscribe_email_send(request_id=pending.pk) is None  # confirmed: nothing more to send
    assert OutboundEmail.objects.filter(idempotency_key=f"resubscribe:{pending.pk}").count() == 1
    assert len(inbox.messages) == 1


def test_given_a_persian_contact_then_the_resubscribe_email_is_persian_and_right_to_left(inbox):
    contact = _unsubscribed("mina@example.com", "fa")
    Client().post("/p/" + make_token(contact_id=contact.pk), {"topic": ["newsletter", "nurture"]})
    run_pending_jobs()
    message = inbox.messages[0]
    text, html = parts(message)
    assert 'dir="rtl"' in html and 'lang="fa"' in html and "خبرنامه" in html
    assert message["Subject"] == "تأیید کنید که دوباره ایمیل‌های ما را می‌خواهید"
    assert "lang=fa" in text
    page = Client().get(link_path(message, "/p/confirm/") + "?lang=fa").content.decode()
    assert 'dir="rtl"' in page and "?lang=fa" in page  # the button keeps the language
    done = Client().post(link_path(message, "/p/confirm/") + "?lang=fa").content.decode()
    assert 'dir="rtl"' in done


def test_given_the_same_request_when_its_email_job_runs_twice_then_one_email(inbox):
    contact = _unsubscribed("sam@example.com", "en")
    Client().post("/p/" + make_token(contact_id=contact.pk), {"topic": ["newsletter"]})
    run_pending_jobs()
    pending = ResubscribeRequest.objects.get()
    again = services.resubscribe_email_send(request_id=pending.pk)
    assert again is not None and again.status == "sent"  # the first send's row, not a second message
    assert len(inbox.messages) == 1
