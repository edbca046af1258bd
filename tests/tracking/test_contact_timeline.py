"""The contact page shows tracked visits and back-end events on its timeline, interleaved
with the activity rows, and a Touches panel."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils.html import strip_tags

from sarnakh.contacts.models import Activity
from sarnakh.contacts.services import note_add
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.cursors import encode_cursor
from sarnakh.tracking.models import Event, Session
from tests.tracking.test_selectors import (
    T0,
    make_contact,
    make_event,
    make_session,
    make_site,
    minutes,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ITEM = re.compile(r'tl-visit" data-session="(\d+)"|tl-tracked-event" data-event="(\d+)"|note number (\d+)|(Contact created)|(Stage set to)')


@pytest.fixture
def staff(sales_user):
    client = Client()
    client.force_login(sales_user)
    return client


def _timeline(body: str) -> str:
    return body[body.index('id="timeline-list"'):]


def _labels(html: str) -> list[str]:
    labels = []
    for session, event, note, created, _stage in ITEM.findall(html):
        labels.append(f"s{session}" if session else f"e{event}" if event else f"n{int(note)}" if note else "created" if created else "stage")
    return labels


def _expected(contact_id: int) -> list[str]:
    """Every timeline item newest first by (time, kind, id), kinds ordered activity < event < session."""
    items = []
    for a in Activity.objects.filter(contact_id=contact_id):
        label = {"created": "created", "stage_changed": "stage"}.get(a.kind) or f"n{int(a.data['body'].split()[-1])}"
        items.append((a.occurred_at, 0, a.pk, label))
    for e in Event.objects.filter(contact_id=contact_id, session__isnull=True, is_bot=False):
        items.append((e.occurred_at, 1, e.pk, f"e{e.pk}"))
    for s in Session.objects.filter(contact_id=contact_id, is_bot=False):
        items.append((s.last_event_at, 2, s.pk, f"s{s.pk}"))
    return [i[3] for i in sorted(items, reverse=True)]


def test_given_visits_before_and_after_signup_when_opening_contact_then_interleaved_with_activity(staff):
    site = make_site("Main site")
    with clock.frozen_at(T0 + dt.timedelta(days=1)):
        sara = make_contact(first_name="Sara", email="sara@example.com")
    before = make_session(contact=sara, site=site, start=T0, channel="organic_search", page_count=2,
                          entry_path="/blog/lead-scoring", referrer="https://www.google.com/")
    make_event(session=before, path="/blog/lead-scoring", title="What is lead scoring", at=T0)
    make_event(session=before, type="track", name="cta_click", label="Book a demo", path="/blog/lead-scoring", at=T0 + minutes(2))
    make_event(session=before, type="track", name="download", label="Whitepaper", properties={"format": "pdf", "label": "x"}, at=T0 + minutes(3))
    make_event(session=before, type="track", name="form_submitted", label="Demo request", properties={"form": "demo", "submission_id": 7}, at=T0 + minutes(4))
    make_event(session=before, path="/secret", title="Bot page", at=T0 + minutes(5), is_bot=True)
    after = make_session(contact=sara, site=site, start=T0 + dt.timedelta(days=2), channel="email", utm_source="newsletter",
                         utm_medium="email", utm_campaign="autumn")
    demo = make_event(contact=sara, type="track", name="demo_booked", properties={"rep": "Ali"}, at=T0 + dt.timedelta(days=3))
    bot = make_session(contact=sara, start=T0 + dt.timedelta(days=4), is_bot=True)

    timeline = _timeline(staff.get(f"/contacts/{sara.pk}/").content.decode())

    assert _labels(timeline) == [f"e{demo.pk}", f"s{after.pk}", "stage", "created", f"s{before.pk}"]
    assert f'data-session="{bot.pk}"' not in timeline
    visit = strip_tags(timeline[timeline.index(f'data-session="{before.pk}"'):])  # the oldest item, as read (values are isolated)
    assert "Visit from Organic search" in visit and "2 pages" in visit and "10\xa0minutes" in visit
    assert "https://www.example.com/blog/lead-scoring" in visit and "https://www.google.com/" in visit
    steps = [visit.index(s) for s in ("What is lead scoring", "Clicked “Book a demo”", "download", "Submitted the form “Demo request”")]
    assert steps == sorted(steps)
    assert "format: pdf" in visit and "Bot page" not in timeline
    assert "newsletter / email / autumn" in timeline and "demo_booked" in timeline and "rep: Ali" in strip_tags(timeline)


def test_given_many_items_with_shared_instants_when_paging_then_each_item_once_in_order(staff):
    with clock.frozen_at(T0 - dt.timedelta(days=30)):
        sara = make_contact(email="sara@example.com")
    same = T0 + dt.timedelta(hours=5)
    for i in range(25):
        with clock.frozen_at(same if i % 2 else T0 + minutes(i)):
            note_add(body=f"note number {i}", contact_id=sara.pk, actor=Actor.system("tests"))
    for i in range(12):
        make_session(contact=sara, start=(same - minutes(10)) if i % 3 == 0 else T0 + minutes(7 * i))
    for i in range(5):
        make_event(contact=sara, type="track", name="call_completed", at=same if i % 2 else T0 + minutes(3 * i))

    body = _timeline(staff.get(f"/contacts/{sara.pk}/").content.decode())
    seen = _labels(body.split("timeline-more")[0])
    assert len(seen) == 20
    while (match := re.search(r'/timeline/\?before=([^"]+)"', body)) is not None:
        body = staff.get(f"/contacts/{sara.pk}/timeline/?before={match.group(1)}", **HTMX).content.decode()
        seen += _labels(body)

    assert seen == _expected(sara.pk) and len(seen) == 25 + 12 + 5 + 2


def test_given_link_made_before_visits_were_shown_when_following_it_then_older_activity_still_listed(staff):
    with clock.frozen_at(T0):
        sara = make_contact(email="sara@example.com")
    for i in range(3):
        with clock.frozen_at(T0 + minutes(i + 1)):
            note_add(body=f"note number {i}", contact_id=sara.pk, actor=Actor.system("tests"))
    note = Activity.objects.filter(contact=sara, kind="note_added").order_by("-id").first()
    old_cursor = encode_cursor(note.occurred_at.isoformat(), note.pk)  # the two-part cursor of the old timeline

    older = staff.get(f"/contacts/{sara.pk}/timeline/?before={old_cursor}", **HTMX).content.decode()

    assert _labels(older) == ["n1", "n0", "stage", "created"]
    assert "note number 0" in staff.get(f"/contacts/{sara.pk}/timeline/?before=garbage", **HTMX).content.decode()


def test_given_visits_when_opening_contact_then_touches_panel_with_first_last_and_converting(staff):
    sara = make_contact(email="sara@example.com", utm_source="old-source")
    make_session(contact=sara, start=T0, channel="organic_search", entry_path="/blog/seo", referrer="https://www.google.com/")
    converting = make_session(contact=sara, start=T0 + dt.timedelta(days=1), channel="social", entry_path="/webinar")
    make_event(session=converting, type="track", name="form_submitted", label="Webinar")
    make_session(contact=sara, start=T0 + dt.timedelta(days=2), channel="email", utm_campaign="autumn", entry_path="/pricing")

    body = staff.get(f"/contacts/{sara.pk}/").content.decode()

    panel = body[body.index('id="touches"'):body.index('id="timeline"')]
    assert "Touches" in panel and "Organic search (1), Social (1), Email (1)" in panel
    first, last, conv = panel.index("First touch"), panel.index("Last touch"), panel.index("Converting visit")
    assert first < panel.index("/blog/seo") < last < panel.index("autumn") < conv < panel.index("/webinar")
    assert 'id="h-source"' not in body  # the contact's own first-touch card gives way to the visits


def test_given_no_visits_when_opening_contact_then_first_touch_fields_as_before(staff):
    sara = make_contact(email="sara@example.com", utm_source="linkedin", landing_page="https://www.example.com/lp")
    make_session(contact=sara, is_bot=True)

    body = staff.get(f"/contacts/{sara.pk}/").content.decode()

    assert 'id="h-source"' in body and "linkedin" in body and "https://www.example.com/lp" in body
    assert 'id="touches"' not in body


def test_given_persian_reader_when_opening_contact_then_visit_dates_are_jalali(staff):
    sara = make_contact(email="sara@example.com")
    make_session(contact=sara, start=dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC), channel="email")
    staff.post("/i18n/setlang/", {"language": "fa", "next": "/"})

    body = staff.get(f"/contacts/{sara.pk}/").content.decode()

    panel = body[body.index('id="touches"'):]
    assert "فروردین ۱۴۰۳" in panel
