"""What an open or a click does for the contact, once committed: a person's first open of a
message and every click reach the timeline and the contact's tracking events (scoring,
segments, list hygiene); machine ones are recorded and go nowhere else; a hard bounce
becomes the `email_bounced` event the default model counts against the contact."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts.models import Contact
from sarnakh.contacts.services import contact_upsert
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.events import publish
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.delivery.events import EmailBounced
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.tracking import links, services
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.mail.tracking.tokens import click_token, open_token
from sarnakh.scoring import selectors as scoring
from sarnakh.segments import services as segments
from sarnakh.segments.hygiene import selectors as hygiene
from sarnakh.segments.models import SegmentMembership
from sarnakh.tracking.models import Event
from tests.mail.tracking.support import sent_email

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"


def _contact(email: str = "sara@example.ir") -> int:
    contact = contact_upsert(data={"email": email, "first_name": "سارا", "consent": "subscribed"}, actor=Actor.system("tests")).contact
    run_pending_jobs()
    return contact.pk


def _click(email: OutboundEmail, url: str, *, ua: str = PERSON, ip: str = "5.160.10.20"):
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip).get(links.CLICK_PATH + click_token(email_id=email.pk, url=url))


def _open(email: OutboundEmail, *, ua: str = PERSON, ip: str = "5.160.10.20"):
    return Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip).get(links.OPEN_PATH + open_token(email_id=email.pk) + ".gif")


def _engagement(contact_id: int) -> float:
    return scoring.contact_score(contact_id=contact_id)["engagement"]


def _timeline(contact_id: int) -> list[tuple[str, dict]]:
    rows, _more = contacts.contact_timeline(contact_id)
    return [(r.kind, r.data) for r in rows if r.kind.startswith("email_")]


def test_given_a_person_clicks_a_link_when_it_is_followed_then_the_timeline_shows_it_and_the_score_rises():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id, subject="خبرنامهٔ آذر")
    before = _engagement(contact_id)
    _click(email, "https://example.ir/pricing")
    run_pending_jobs()
    assert _timeline(contact_id) == [("email_clicked", {"email_id": email.pk, "subject": "خبرنامهٔ آذر",
                                                        "url": "https://example.ir/pricing"})]
    [event] = Event.objects.filter(contact_id=contact_id, name="email_click")
    assert (event.url, event.is_bot, event.properties) == ("https://example.ir/pricing", False, {"email_id": email.pk})
    assert _engagement(contact_id) > before


def test_given_a_scanner_clicks_on_arrival_when_it_is_followed_then_it_is_recorded_but_changes_nothing_for_the_contact():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id, minutes_ago=0)  # the scanner clicks within seconds of delivery
    before = _engagement(contact_id)
    assert _click(email, "https://example.ir/pricing").status_code == 302
    run_pending_jobs()
    assert EmailEngagement.objects.get().machine_reason == "soon_after_delivery"
    assert _timeline(contact_id) == []
    assert not Event.objects.filter(contact_id=contact_id, name="email_click").exists()
    assert _engagement(contact_id) == before


def test_given_a_scanner_clicks_every_link_within_seconds_when_followed_then_all_its_clicks_are_machine():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    for path in ("a", "b", "c", "d"):
        _click(email, f"https://example.ir/{path}")
    run_pending_jobs()  # after the burst: the first click's follow-up reads its flag as it is now
    assert set(EmailEngagement.objects.values_list("machine", "machine_reason")) == {(True, "click_burst")}
    assert not Event.objects.filter(contact_id=contact_id, name="email_click").exists()


def test_given_opens_when_followed_then_only_the_first_human_open_of_a_message_reaches_the_contact():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    _open(email, ua="Mozilla/5.0", ip="17.1.2.3")  # Apple's prefetch: machine
    _open(email)
    _open(email)
    run_pending_jobs()
    assert [(r.machine, r.machine_reason) for r in EmailEngagement.objects.order_by("pk")] == [
        (True, "apple_mpp"), (False, ""), (False, "")]
    assert [kind for kind, _data in _timeline(contact_id)] == ["email_opened"]
    assert Event.objects.filter(contact_id=contact_id, name="email_open").count() == 1


def test_given_gmail_loads_the_pixel_when_followed_then_it_counts_as_a_person():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    _open(email, ua="Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", ip="66.249.84.1")
    run_pending_jobs()
    assert Event.objects.filter(contact_id=contact_id, name="email_open").count() == 1


def test_given_a_human_click_when_followed_then_a_clicked_an_email_segment_takes_the_contact_in():
    contact_id = _contact()
    segment = segments.segment_create(name="Clicked an email lately", filter={"match": "all", "conditions": [
        {"field": "custom_event", "op": "at_least", "value": {"times": 1, "days": 30, "name": "email_click"}}]})
    assert not SegmentMembership.objects.filter(segment=segment, contact_id=contact_id).exists()
    _click(sent_email(contact_id=contact_id), "https://example.ir/")
    run_pending_jobs()
    assert SegmentMembership.objects.filter(segment=segment, contact_id=contact_id).exists()


def test_given_a_hard_bounce_when_followed_then_the_contact_gets_an_email_bounced_event_and_loses_points():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    before = _engagement(contact_id)
    with transaction.atomic():
        publish(EmailBounced(contact_id=contact_id, email_id=email.pk, to_address=email.to_address, bounce="hard"))
    run_pending_jobs()
    assert Event.objects.filter(contact_id=contact_id, name="email_bounced").count() == 1
    assert _engagement(contact_id) < before
    assert _timeline(contact_id) == []  # delivery writes the bounce's timeline row itself, not this


def test_given_the_same_engagement_followed_twice_then_it_is_recorded_once():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    _click(email, "https://example.ir/")
    run_pending_jobs()
    engagement = EmailEngagement.objects.get()
    services.engagements_follow(engagement_ids=[engagement.pk])
    assert Event.objects.filter(contact_id=contact_id, name="email_click").count() == 1


def test_given_a_contact_inactive_for_long_when_they_click_then_list_hygiene_sees_them_active_again():
    contact_id = _contact()
    email = sent_email(contact_id=contact_id)
    now = clock.now()
    inactive = hygiene.inactive_q(90, now + dt.timedelta(days=400))
    assert Contact.objects.filter(inactive, pk=contact_id).exists()
    services.engagement_record(kind="click", email_id=email.pk, url="https://example.ir/", user_agent=PERSON,
                               at=now + dt.timedelta(days=399))
    run_pending_jobs()
    assert not Contact.objects.filter(inactive, pk=contact_id).exists()


def test_given_a_click_and_an_open_when_the_contact_page_is_read_then_its_timeline_shows_them_once(admin_client):
    contact_id = _contact()
    email = sent_email(contact_id=contact_id, subject="خبرنامهٔ آذر")
    _open(email)
    _click(email, "https://example.ir/blog/%D8%B3%D9%84%D8%A7%D9%85")
    run_pending_jobs()
    page = admin_client.get(f"/contacts/{contact_id}/").content.decode()
    assert page.count("tl-item tl-email_opened") == 1 and page.count("tl-item tl-email_clicked") == 1
    assert "Opened the email “" in page and "Clicked a link in “" in page and "example.ir/blog/سلام" in page
    assert "tl-tracked-event" not in page  # tracking's own rows of the same events are not shown


def test_given_a_contact_leaves_all_marketing_or_complains_when_followed_then_the_score_drops_once_each():
    from sarnakh.mail.bounces.events import EmailComplained
    from sarnakh.mail.subscriptions import services as subscriptions

    leaver, complainer, topic_only = _contact("leaver@example.ir"), _contact("angry@example.ir"), _contact("topic@example.ir")
    for cid in (leaver, complainer, topic_only):
        _click(sent_email(contact_id=cid), "https://example.ir/pricing")  # some engagement to lose
    run_pending_jobs()
    before = {cid: _engagement(cid) for cid in (leaver, complainer, topic_only)}

    subscriptions.topic_seed_defaults()
    subscriptions.unsubscribe_all(contact_id=leaver, via="one_click", message_id="", actor=Actor.system("tests"))
    subscriptions.topic_opt_out(contact_id=topic_only, topic_key="newsletter", how="preference_centre")
    with transaction.atomic():
        publish(EmailComplained(contact_id=complainer, email_id=1, to_address="angry@example.ir", via="mailbox"),
                actor=Actor.system("tests"))
    run_pending_jobs()

    assert Event.objects.filter(contact_id=leaver, name="unsubscribed").values_list("properties", flat=True).get() == {"via": "one_click"}
    assert Event.objects.filter(contact_id=complainer, name="unsubscribed").values_list("properties", flat=True).get() == {"via": "complaint"}
    assert not Event.objects.filter(contact_id=topic_only, name="unsubscribed").exists()
    assert _engagement(leaver) < before[leaver] and _engagement(complainer) < before[complainer]
    assert _engagement(topic_only) == before[topic_only]
