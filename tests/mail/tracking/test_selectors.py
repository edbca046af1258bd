"""A set of messages' figures and click map, human and machine side by side, in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sarnakh.core import clock
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.tracking import selectors
from sarnakh.mail.tracking.models import EmailEngagement
from tests.mail.tracking.support import sent_email

pytestmark = pytest.mark.django_db


def _row(email, kind, url="", machine=False):
    EmailEngagement.objects.create(email=email, contact_id=email.contact_id, kind=kind, url=url, machine=machine,
                                   machine_reason="apple_mpp" if machine else "", occurred_at=clock.now() - dt.timedelta(hours=1))


@pytest.fixture
def campaign():
    """Three messages of a campaign and one of another; opens and clicks on each."""
    a, b, c = (sent_email(subject="c1") for _ in range(3))
    other = sent_email(subject="c2")
    _row(a, "open"), _row(a, "open"), _row(a, "open", machine=True)
    _row(a, "click", "https://x.ir/pricing"), _row(a, "click", "https://x.ir/pricing"), _row(a, "click", "https://x.ir/blog")
    _row(b, "open", machine=True), _row(b, "click", "https://x.ir/pricing", machine=True)
    _row(c, "click", "https://x.ir/blog")  # images off: a click without an open
    _row(other, "open"), _row(other, "click", "https://x.ir/pricing")
    return [a.pk, b.pk, c.pk]


def test_given_a_campaign_when_counted_then_human_and_machine_figures_come_apart_in_one_query(campaign):
    ids = OutboundEmail.objects.filter(subject="c1").values("pk")
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.engagement_counts(ids)
    assert len(queries) == 1
    assert counts == {"human_opens": 2, "machine_opens": 2, "unique_human_openers": 2, "human_clicks": 4,
                      "machine_clicks": 1, "unique_human_clickers": 2}


def test_given_a_campaign_when_its_clicks_are_mapped_then_destinations_come_by_human_clicks(campaign):
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.click_map(OutboundEmail.objects.filter(subject="c1").values("pk"))
    assert len(queries) == 1
    assert [tuple(r) for r in rows] == [("https://x.ir/blog", 2, 2, 0), ("https://x.ir/pricing", 2, 1, 1)]
    assert rows[0].url == "https://x.ir/blog" and rows[1].machine_clicks == 1


def test_given_no_engagement_when_counted_then_every_figure_is_zero():
    assert set(selectors.engagement_counts([sent_email().pk]).values()) == {0}
    assert selectors.click_map([]) == []


def test_given_a_campaign_when_its_engaged_messages_are_counted_then_machine_only_ones_are_engaged_minus_human(campaign):
    ids = OutboundEmail.objects.filter(subject="c1").values("pk")

    counts = selectors.engaged_message_counts(ids)

    assert counts == {"engaged": 3, "human": 2, "human_clickers": 2}  # b: machines only
    assert selectors.engaged_message_counts(ids, url="https://x.ir/pricing")["human_clickers"] == 1


def test_given_one_message_when_its_engagements_are_asked_then_kind_and_machine_narrow_them(campaign):
    a, b, _c = campaign

    assert selectors.message_engagements(a).count() == 6
    assert selectors.message_engagements(a, kind="open", machine=False).count() == 2
    assert selectors.message_engagements(b, machine=False).count() == 0
