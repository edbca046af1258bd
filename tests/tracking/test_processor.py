"""Processing stored events: sessions, channels, bots, identity links, first touch."""

import datetime as dt

import pytest

from sarnakh.contacts.models import Activity, Contact
from sarnakh.core import clock
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.tracking.contact_page import IDENTIFIED
from sarnakh.tracking.identity import contact_link_token
from sarnakh.tracking.models import Event, Session, Visitor
from sarnakh.tracking.processor import process_all_pending
from tests.tracking.factories import make_site, page_view, post_events, track

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def iso(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture
def site():
    return make_site()


def send(client, site, events, **kwargs):
    with clock.frozen_at(T0 + dt.timedelta(hours=2)):
        response = post_events(client, {"site_key": site.key, "events": events}, **kwargs)
    assert response.status_code == 202, response.content
    return response


def make_contact(email="sara@example.com", **extra):
    from sarnakh.contacts.services import contact_upsert
    from sarnakh.core.actor import Actor

    with clock.frozen_at(extra.pop("at", T0 + dt.timedelta(hours=1))):
        return contact_upsert(data={"email": email, **extra}, actor=Actor.system()).contact


def test_page_views_become_sessions_with_entry_channel_and_counts(client, site):
    # given a visitor arriving from Google, then returning an hour later from a newsletter
    send(client, site, [
        page_view("v1", "https://www.example.com/blog/a", at=iso(0), referrer="https://www.google.com/"),
        page_view("v1", "https://www.example.com/pricing", at=iso(5), referrer="https://www.example.com/blog/a"),
        page_view("v1", "https://www.example.com/?utm_source=nl&utm_medium=email&utm_campaign=spring", at=iso(65)),
    ])
    # when the events are processed
    assert process_all_pending() == 3
    # then there are two sessions with their entry, channel and page counts
    first, second = Session.objects.order_by("started_at")
    assert (first.channel, first.entry_path, first.page_count, first.duration_seconds) == ("organic_search", "/blog/a", 2, 300)
    assert (second.channel, second.utm_campaign, second.page_count) == ("email", "spring", 1)
    assert not Event.objects.filter(processed_at__isnull=True).exists()
    assert Visitor.objects.get().contact_id is None


def test_events_of_a_later_batch_join_the_open_session(client, site):
    send(client, site, [page_view("v1", "https://www.example.com/", at=iso(0))])
    process_all_pending()
    send(client, site, [page_view("v1", "https://www.example.com/b", at=iso(10)), track("v1", "video_play", at=iso(11))])
    process_all_pending()
    session = Session.objects.get()
    assert (session.page_count, session.event_count, session.last_event_at) == (2, 3, T0 + dt.timedelta(minutes=11))


def test_crawlers_and_headless_browsers_are_flagged_not_deleted(client, site):
    send(client, site, [page_view("bot1", "https://www.example.com/", at=iso(0))], user_agent="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    send(client, site, [page_view("bot2", "https://www.example.com/", at=iso(0))], user_agent="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0.0.0 Safari/537.36")
    send(client, site, [page_view("fast", "https://www.example.com/", at=iso(i / 200)) for i in range(130)])
    process_all_pending()
    reasons = dict(Event.objects.values_list("visitor_id", "bot_reason").distinct())
    assert reasons == {"bot1": "crawler", "bot2": "headless", "fast": "too_fast"}
    assert Session.objects.filter(is_bot=True).count() == 3
    assert Event.objects.count() == 132


def test_identify_attaches_earlier_anonymous_history_and_sets_first_touch(client, site):
    # given a known contact (created after the visit started) and an anonymous visit with a campaign
    contact = make_contact(channel="web_form")
    send(client, site, [
        page_view("v1", "https://www.example.com/?utm_source=li&utm_medium=social&utm_campaign=launch", at=iso(0)),
        page_view("v1", "https://www.example.com/pricing", at=iso(2)),
    ])
    process_all_pending()
    # when the visitor identifies with the contact's email
    send(client, site, [{"type": "identify", "visitor_id": "v1", "timestamp": iso(3), "properties": {"email": "SARA@example.com"}}])
    process_all_pending()
    # then every event and the session belong to the contact, the timeline says so, first touch is the visit
    assert set(Event.objects.values_list("contact_id", flat=True)) == {contact.pk}
    assert Session.objects.get().contact_id == contact.pk
    identified = Activity.objects.get(contact=contact, kind=IDENTIFIED)
    assert identified.data["via"] == "identify" and identified.data["events"] == 2
    contact.refresh_from_db()
    assert (contact.channel, contact.utm_campaign, contact.landing_page) == ("social", "launch", "https://www.example.com/?utm_source=li&utm_medium=social&utm_campaign=launch")


def test_identify_with_an_unknown_email_from_a_browser_creates_nothing(client, site):
    send(client, site, [{"type": "identify", "visitor_id": "v1", "properties": {"email": "new@example.com"}}])
    process_all_pending()
    assert not Contact.objects.exists()
    assert Event.objects.get().error == "no contact with this email"


def test_a_trusted_server_side_event_with_an_unknown_email_creates_the_contact(client, write_api):
    body = {"events": [{"type": "track", "name": "trial_started", "email": "new@example.com", "properties": {}}]}
    assert post_events(client, body, origin="", auth=write_api.key).status_code == 202
    process_all_pending()
    contact = Contact.objects.get(email="new@example.com")
    event = Event.objects.get()
    assert event.contact_id == contact.pk and event.session_id is None and contact.channel == "api"


def test_an_unknown_contact_id_is_kept_on_the_event_as_an_error(client, write_api):
    post_events(client, {"events": [{"type": "track", "name": "purchase", "contact_id": 999999}]}, origin="", auth=write_api.key)
    process_all_pending()
    event = Event.objects.get()
    assert event.contact_id is None and event.error == "unknown contact_id"


def test_two_devices_of_one_person_end_on_one_contact(client, site):
    contact = make_contact()
    for device in ("laptop", "phone"):
        send(client, site, [page_view(device, "https://www.example.com/", at=iso(0)),
                            {"type": "identify", "visitor_id": device, "timestamp": iso(1), "properties": {"email": "sara@example.com"}}])
    process_all_pending()
    assert set(Visitor.objects.values_list("contact_id", flat=True)) == {contact.pk}
    assert Session.objects.filter(contact=contact).count() == 2


def test_a_shared_device_does_not_swap_histories(client, site):
    # given two people; the first identifies on a shared browser, browses; then the second identifies
    sara, omid = make_contact("sara@example.com"), make_contact("omid@example.com")
    send(client, site, [{"type": "identify", "visitor_id": "shared", "timestamp": iso(0), "properties": {"email": "sara@example.com"}},
                        page_view("shared", "https://www.example.com/sara", at=iso(1))])
    process_all_pending()
    send(client, site, [{"type": "identify", "visitor_id": "shared", "timestamp": iso(90), "properties": {"email": "omid@example.com"}},
                        page_view("shared", "https://www.example.com/omid", at=iso(91))])
    process_all_pending()
    # then Sara keeps her page view and Omid gets only his
    assert list(Event.objects.filter(contact=sara, type="page_view").values_list("path", flat=True)) == ["/sara"]
    assert list(Event.objects.filter(contact=omid, type="page_view").values_list("path", flat=True)) == ["/omid"]


def test_an_email_link_token_identifies_the_visitor(client, site):
    contact = make_contact()
    send(client, site, [{"type": "identify", "visitor_id": "v9", "properties": {"contact_token": contact_link_token(contact.pk)}}])
    send(client, site, [{"type": "identify", "visitor_id": "v10", "properties": {"contact_token": "forged:token"}}])
    process_all_pending()
    assert Visitor.objects.get(visitor_id="v9").contact_id == contact.pk
    assert Visitor.objects.get(visitor_id="v10").contact_id is None


def test_merging_contacts_moves_their_behaviour(client, site):
    from sarnakh.contacts.merge import contact_merge
    from sarnakh.core.actor import Actor

    a, b = make_contact("a@example.com"), make_contact("b@example.com")
    send(client, site, [{"type": "identify", "visitor_id": "vb", "properties": {"email": "b@example.com"}}, page_view("vb", "https://www.example.com/")])
    process_all_pending()
    contact_merge(survivor_id=a.pk, loser_id=b.pk, actor=Actor.system())
    run_pending_jobs()  # tracking's reaction to contact.merged (right after commit in production)
    assert set(Event.objects.values_list("contact_id", flat=True)) == {a.pk}
    assert Visitor.objects.get().contact_id == a.pk and Session.objects.get().contact_id == a.pk


def test_a_failure_mid_chunk_leaves_every_event_unprocessed(client, site, monkeypatch):
    from sarnakh.tracking import processor

    send(client, site, [page_view("v1", "https://www.example.com/", at=iso(0))])

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(processor, "_update_events", explode)
    with pytest.raises(RuntimeError):
        processor.process_pending_events()
    assert Event.objects.filter(processed_at__isnull=True).count() == 1 and not Session.objects.exists()
    monkeypatch.undo()
    assert processor.process_pending_events() == 1
