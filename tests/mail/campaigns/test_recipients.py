"""Who opened and clicked: the per-recipient selector against a hand-made campaign (human
open, machine-only open, click, soft bounce with a complaint, hard bounce, not opened), each
filter, the counts and keyset pagination."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.mail.campaigns import recipients
from tests.mail.campaigns.ui_support import OFFER, OTHER, T0, engaged_campaign

pytestmark = pytest.mark.django_db
def _people(page, known):
    return [known.contacts.index(row.contact_id) for row in page.rows]


@pytest.mark.parametrize(("show", "expected"), [
    ("all", [0, 1, 2, 3, 4, 5, 6, 7]), ("opened", [0, 2]), ("machine_only", [1]), ("clicked", [0]),
    ("not_opened", [1, 3, 4, 5]), ("bounced", [3, 5]), ("unsubscribed", [0, 2]),
])
def test_given_an_engaged_campaign_when_filtered_then_each_filter_holds_the_hand_picked_recipients(show, expected):
    known = engaged_campaign()

    page = recipients.recipient_engagement(known.campaign, show=show)

    assert _people(page, known) == expected
    assert recipients.show_counts(known.campaign)[show] == len(expected)


def test_given_an_engaged_campaign_when_read_then_each_row_tells_what_its_message_met(django_assert_max_num_queries):
    known = engaged_campaign()

    with django_assert_max_num_queries(2):  # the page, the names
        rows = {known.contacts.index(r.contact_id): r for r in recipients.recipient_engagement(known.campaign).rows}

    zero, one, two, three = rows[0], rows[1], rows[2], rows[3]
    assert (zero.first_open_at, zero.opens_human, zero.clicks_human, zero.last_click_url) == (T0 + dt.timedelta(hours=2), 1, 3, OTHER)
    assert (zero.unsubscribed, zero.name, zero.email) == (True, "Name0", "person0@example.org")
    assert (one.first_open_at, one.opens_human, one.opens_machine, one.clicks_human) == (None, 0, 1, 0)
    assert (two.first_open_at, two.opens_human, two.opens_machine) == (T0 + dt.timedelta(hours=7), 1, 1)
    assert (three.bounce, three.complained, rows[5].bounce, rows[4].bounce) == ("soft", True, "hard", "")
    assert (rows[6].status, rows[6].sent_at, rows[7].status) == ("excluded", None, "pending")


def test_given_a_link_when_clicked_is_narrowed_to_it_then_only_its_clickers_come():
    known = engaged_campaign()

    assert _people(recipients.recipient_engagement(known.campaign, show="clicked", url=OFFER), known) == [0]
    assert recipients.recipient_engagement(known.campaign, show="clicked", url="https://example.com/never").rows == []
    assert recipients.show_counts(known.campaign, url=OTHER)["clicked"] == 1


def test_given_pages_of_three_when_followed_by_the_cursor_then_every_recipient_comes_once_and_the_last_has_no_cursor():
    known = engaged_campaign()
    seen, after = [], None

    for _ in range(10):
        page = recipients.recipient_engagement(known.campaign, after_id=after, limit=3)
        seen += _people(page, known)
        after = page.next_after
        if after is None:
            break

    assert seen == list(range(8))


def test_given_an_unknown_filter_or_a_huge_limit_when_read_then_refused_or_bounded():
    known = engaged_campaign()

    with pytest.raises(ValueError):
        recipients.recipient_engagement(known.campaign, show="everyone")
    assert len(recipients.recipient_engagement(known.campaign, limit=10_000).rows) == 8
