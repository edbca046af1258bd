"""The preference centre /p/<token> in English and Persian, and resubscribing with a
confirmation /p/confirm/<token>."""

import datetime as dt

from django.test import Client

from sarnakh.contacts.selectors import contact_get
from sarnakh.core import clock
from sarnakh.mail.subscriptions import selectors
from sarnakh.mail.subscriptions.models import ResubscribeRequest, Suppression
from sarnakh.mail.subscriptions.tokens import make_token
from tests.mail.subscriptions.conftest import make


def _path(contact):
    return "/p/" + make_token(contact_id=contact.pk, message_id="m-2")


def test_page_in_persian_by_the_contacts_language_and_in_english_by_choice(person):
    client = Client()
    # when a Persian-speaking contact opens the preference centre
    page = client.get(_path(person)).content.decode()
    # then it is in Persian, right to left, with the shipped topics' Persian labels
    assert 'lang="fa"' in page and 'dir="rtl"' in page
    assert "خبرنامه" in page and "اخبار محصول" in page and "تنظیمات ایمیل" in page
    # and the switch to English gives the English page
    english = client.get(_path(person) + "?lang=en").content.decode()
    assert 'lang="en"' in english and 'dir="ltr"' in english and "Newsletter" in english
    assert "Unsubscribe from all marketing email" in english
    assert "?lang=fa" in english


def test_saving_leaves_and_rejoins_topics(person):
    client = Client(enforce_csrf_checks=True)
    # when the contact unticks product news and nurture
    response = client.post(_path(person), {"topic": ["newsletter"], "lang": "en"})
    # then those topics are left, and the newsletter stays
    assert response.status_code == 200 and b"Your preferences are saved" in response.content
    assert selectors.opted_out_topic_keys(person.pk) == {"product-news", "nurture"}
    assert selectors.marketing_allowed(person, "newsletter") == (True, "consent")
    assert selectors.marketing_allowed(person, "nurture") == (False, "topic_opt_out")
    # when they tick product news again
    client.post(_path(person), {"topic": ["newsletter", "product-news"]})
    assert selectors.opted_out_topic_keys(person.pk) == {"nurture"}


def test_unsubscribe_from_all_then_resubscribe_needs_a_confirmation(person):
    client = Client(enforce_csrf_checks=True)
    client.post(_path(person), {"topic": ["newsletter"], "unsubscribe_all": "1"})
    assert contact_get(person.pk).consent == "unsubscribed"
    # the page then ticks no topic (none is being sent)
    assert b"checked" not in client.get(_path(person)).content
    assert Suppression.objects.filter(address="reza@example.com", reason="unsubscribed_all").exists()
    # when they tick a topic again and save
    response = client.post(_path(person), {"topic": ["newsletter"], "lang": "en"})
    # then nothing is resubscribed yet: a pending confirmation waits, "check your inbox"
    assert b"Check your inbox" in response.content
    assert contact_get(person.pk).consent == "unsubscribed"
    pending = ResubscribeRequest.objects.get(contact_id=person.pk)
    assert pending.topic_keys == ["newsletter"]
    # when the confirmation link is opened (GET) nothing changes; when confirmed (POST) it applies
    assert client.get(f"/p/confirm/{pending.token}").status_code == 200
    assert contact_get(person.pk).consent == "unsubscribed"
    assert client.post(f"/p/confirm/{pending.token}").status_code == 200
    contact = contact_get(person.pk)
    assert contact.consent == "subscribed"
    assert not Suppression.objects.filter(address="reza@example.com", reason="unsubscribed_all").exists()
    assert selectors.marketing_allowed(contact, "newsletter") == (True, "consent")
    # and confirming again is harmless
    assert client.post(f"/p/confirm/{pending.token}").status_code == 200


def test_an_expired_or_unknown_confirmation_changes_nothing(person):
    client = Client()
    client.post(_path(person), {"unsubscribe_all": "1"})
    client.post(_path(person), {"topic": ["newsletter"]})
    pending = ResubscribeRequest.objects.get(contact_id=person.pk)
    with clock.frozen_at(pending.expires_at + dt.timedelta(seconds=1)):
        assert client.post(f"/p/confirm/{pending.token}").status_code == 404
    assert client.post("/p/confirm/unknown").status_code == 404
    assert contact_get(person.pk).consent == "unsubscribed"


def test_bad_token_and_unknown_topic(actor):
    contact = make(actor, "x@example.com")
    assert Client().get("/p/forged~token").status_code == 404
    response = Client().post(_path(contact), {"topic": ["no-such-topic"]})
    assert response.status_code == 422
    assert selectors.opted_out_topic_keys(contact.pk) == set()
