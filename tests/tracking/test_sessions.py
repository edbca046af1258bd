"""The pure sessionizer: gaps, late and out-of-order events, entries."""

import datetime as dt

from sarnakh.tracking.sessions import EventFacts, SessionState, assign_sessions

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def pv(key, minutes, url="https://a.io/", referrer=""):
    return EventFacts(key=key, occurred_at=at(minutes), is_page_view=True, url=url, referrer=referrer)


def test_thirty_minutes_of_silence_ends_a_session():
    # given page views at 0, 10, 39 and then 70 minutes (a 31-minute gap)
    assigned, created = assign_sessions([], [pv(1, 0), pv(2, 10), pv(3, 39), pv(4, 70)])
    # then the first three share one session and the fourth starts another
    assert len(created) == 2
    assert assigned[1] is assigned[2] is assigned[3] and assigned[4] is not assigned[1]
    assert (created[0].page_count, created[0].started_at, created[0].last_event_at) == (3, at(0), at(39))


def test_exactly_thirty_minutes_is_a_new_session():
    _assigned, created = assign_sessions([], [pv(1, 0), pv(2, 30)])
    assert len(created) == 2


def test_events_join_a_stored_session_and_late_earlier_events_become_its_entry():
    # given a stored session that started at minute 10 on /blog
    stored = SessionState(id=7, started_at=at(10), last_event_at=at(20), entry_url="https://a.io/blog", entry_at=at(10), page_count=2, event_count=2)
    # when a late event from minute 5 (with UTM) and one from minute 25 arrive
    assigned, created = assign_sessions([stored], [pv(1, 25), pv(2, 5, url="https://a.io/?utm_source=x")])
    # then both join it, it now starts at 5 with the UTM page as entry
    assert created == [] and assigned[1] is stored and assigned[2] is stored
    assert (stored.started_at, stored.last_event_at, stored.page_count) == (at(5), at(25), 4)
    assert stored.entry_url == "https://a.io/?utm_source=x" and stored.entry_changed and stored.changed


def test_a_custom_event_without_url_does_not_take_the_entry():
    events = [EventFacts(key=1, occurred_at=at(0), is_page_view=False), pv(2, 1, url="https://a.io/landing")]
    _assigned, created = assign_sessions([], events)
    assert created[0].entry_url == "https://a.io/landing" and created[0].page_count == 1 and created[0].event_count == 2


def test_one_bot_event_marks_its_session():
    events = [pv(1, 0), EventFacts(key=2, occurred_at=at(1), is_page_view=True, url="https://a.io/", is_bot=True)]
    _assigned, created = assign_sessions([], events)
    assert created[0].is_bot
