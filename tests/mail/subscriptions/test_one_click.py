"""One-click unsubscribe (RFC 8058): POST without login, cookies or CSRF token takes effect
at once and is idempotent; GET never unsubscribes; a forged token reveals nothing."""

from django.test import Client

from sarnakh.contacts.selectors import contact_get, contact_timeline
from sarnakh.core.models import EventRecord
from sarnakh.mail.subscriptions import links, selectors
from sarnakh.mail.subscriptions.models import Suppression
from sarnakh.mail.subscriptions.tokens import BadToken, make_token, read_token
from tests.mail.subscriptions.conftest import make

ONE_CLICK = {"data": "List-Unsubscribe=One-Click", "content_type": "application/x-www-form-urlencoded"}


def _path(contact, message_id="m-1"):
    return "/u/" + make_token(contact_id=contact.pk, topic="newsletter", message_id=message_id)


def test_one_click_post_without_cookies_unsubscribes_at_once_and_is_idempotent(person):
    # given a subscribed contact and the URL of its List-Unsubscribe header
    client = Client(enforce_csrf_checks=True)
    path = _path(person)
    assert selectors.marketing_allowed(person, "newsletter") == (True, "consent")
    # when a mail provider POSTs the one-click body, with no cookie and no CSRF token
    response = client.post(path, **ONE_CLICK)
    # then it answers 200, sets no cookie, and the contact gets no more marketing email
    assert response.status_code == 200
    assert not response.cookies
    contact = contact_get(person.pk)
    assert contact.consent == "unsubscribed"
    assert list(Suppression.objects.filter(address="reza@example.com").values_list("reason", flat=True)) == ["unsubscribed_all"]
    assert selectors.marketing_allowed(contact, "newsletter") == (False, "unsubscribed_all")
    # and the contact's timeline shows the consent change, and one email.unsubscribed event was published
    rows, _more = contact_timeline(person.pk)
    assert any(r.data.get("changes", {}).get("consent") == ["subscribed", "unsubscribed"] for r in rows)
    events = EventRecord.objects.filter(name="email.unsubscribed", contact_id=person.pk)
    assert events.count() == 1
    assert events.get().payload["message_id"] == "m-1" and events.get().payload["via"] == "one_click"
    # when the same POST comes again
    again = client.post(path, **ONE_CLICK)
    # then it answers the same and changes nothing more
    assert again.status_code == 200
    assert Suppression.objects.filter(address="reza@example.com").count() == 1
    assert EventRecord.objects.filter(name="email.unsubscribed", contact_id=person.pk).count() == 1


def test_get_shows_a_confirmation_and_never_unsubscribes(person):
    # when a link scanner (or the person) opens the URL
    response = Client().get(_path(person))
    # then a page asks, with a POST form, and nothing changed
    assert response.status_code == 200
    assert b'method="post"' in response.content
    assert contact_get(person.pk).consent == "subscribed"
    assert not Suppression.objects.exists()
    # and it speaks the contact's language (Persian), right to left
    assert b'dir="rtl"' in response.content and b'lang="fa"' in response.content


def test_a_forged_or_altered_token_gets_a_page_that_says_nothing(person):
    token = make_token(contact_id=person.pk)
    forged = make_token(contact_id=person.pk).replace(token.split("~")[0], make_token(contact_id=person.pk + 1).split("~")[0])
    pages = set()
    for bad in (forged, token[:-2] + "xx", "nonsense", "a~b"):
        response = Client(enforce_csrf_checks=True).post("/u/" + bad, **ONE_CLICK)
        assert response.status_code == 404
        pages.add(response.content)
    # every bad token gets the very same page (nothing about the contact or what was wrong)
    assert len(pages) == 1 and b"reza" not in pages.pop().lower()
    assert contact_get(person.pk).consent == "subscribed"


def test_tokens_carry_contact_topic_and_message_and_refuse_tampering():
    token = make_token(contact_id=42, topic="newsletter", message_id="<abc@x>")
    assert read_token(token).contact_id == 42 and read_token(token).topic == "newsletter"
    assert read_token(token).message_id == "<abc@x>"
    import pytest

    with pytest.raises(BadToken):
        read_token(token + "0")


def test_link_builders(person, settings):
    settings.SARNAKH_BASE_URL = "https://crm.example.com"
    settings.SARNAKH_UNSUBSCRIBE_MAILTO_DOMAIN = "bounce.example.com"
    url = links.unsubscribe_url(contact_id=person.pk, topic="newsletter", message_id="m")
    assert url.startswith("https://crm.example.com/u/")
    mailto = links.unsubscribe_mailto(contact_id=person.pk, topic="newsletter", message_id="m")
    local = mailto.removeprefix("mailto:").split("@")[0]
    assert local.startswith("unsubscribe+") and ":" not in local and mailto.split("@")[1].startswith("bounce.example.com")
    assert read_token(local.removeprefix("unsubscribe+")).contact_id == person.pk
    assert links.preference_url(contact_id=person.pk).startswith("https://crm.example.com/p/")
    headers = links.list_unsubscribe_headers(contact_id=person.pk)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_contact_without_consent_recorded_as_unsubscribed_when_it_has_no_email(actor):
    contact = make(actor, "", consent="subscribed", phone="+989121234567")
    response = Client().post(_path(contact), **ONE_CLICK)
    assert response.status_code == 200
    assert contact_get(contact.pk).consent == "unsubscribed"
