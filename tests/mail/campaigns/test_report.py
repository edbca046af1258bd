"""The campaign report's set-based figures against a hand count (tests.mail.campaigns.ui_support.known_campaign),
the adapters' figures passed through, and the charts' buckets: hourly for 48 hours, then daily."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.mail.campaigns import charts, report
from tests.mail.campaigns.ui_support import T0, known_campaign

pytestmark = pytest.mark.django_db


def test_given_a_known_campaign_when_reported_then_every_figure_matches_the_hand_count():
    known = known_campaign()

    r = report.campaign_report(known.campaign)

    assert (r.recipients, r.sent, r.bounced_hard, r.bounced_soft, r.delivered) == (8, 6, 1, 0, 5)
    assert r.by_status["excluded"] == 1 and r.excluded == {"no_consent": 1}
    assert r.by_status["pending"] == 1 and r.deferred == {"frequency_cap": 1}
    assert r.unsubscribes == 2  # person0 (all, day 2) and person2 (the newsletter, day 1)
    assert r.conversions == 2  # person0 (day 3) and person4 (day 13 after its later send)
    assert (r.opens_human, r.clicks_human, r.click_map) == (0, 0, [])  # tracking not on main yet


def test_given_no_conversion_stage_when_reported_then_conversions_are_zero():
    known = known_campaign()
    known.campaign.conversion_stage = ""

    assert report.campaign_report(known.campaign).conversions == 0


def test_given_the_tracking_adapters_answer_when_reported_then_their_figures_and_click_map_are_shown(monkeypatch):
    known = known_campaign()
    seen = {}

    def counts(email_ids):
        seen["ids"] = sorted(row["email_log_id"] for row in email_ids)
        return {"opens_human": 7, "opens_machine": 3, "unique_openers": 4, "clicks_human": 2, "clicks_machine": 5, "unique_clickers": 2}

    monkeypatch.setattr(report, "engagement_counts", counts)
    monkeypatch.setattr(report, "click_map", lambda ids: [("https://example.com/offer", 2, 2, 5)])

    r = report.campaign_report(known.campaign)

    assert len(seen["ids"]) == 6  # the messages that left, bounced included
    assert (r.opens_human, r.opens_machine, r.unique_openers, r.clicks_machine) == (7, 3, 4, 5)
    assert r.rate(r.unique_openers) == 4 / 5
    assert r.click_map == [{"url": "https://example.com/offer", "clicks": 2, "clickers": 2, "machine": 5}]


def test_given_engagement_hours_when_the_series_is_built_then_48_hourly_buckets_then_daily_ones(monkeypatch):
    known = known_campaign()
    hours = [(T0, "open", False, 3), (T0, "open", True, 2), (T0 + dt.timedelta(hours=5), "click", False, 1),
             (T0 + dt.timedelta(hours=50), "open", False, 4), (T0 + dt.timedelta(hours=71), "open", False, 1)]
    monkeypatch.setattr(report, "engagement_hourly", lambda ids, start, until: hours)

    series = report.engagement_series(known.campaign, now=T0 + dt.timedelta(days=4))

    assert [row["size"] for row in series] == ["hour"] * 48 + ["day"] * 3  # the last holds "now"
    assert (series[0]["opens_human"], series[0]["opens_machine"], series[5]["clicks_human"]) == (3, 2, 1)
    assert series[48]["opens_human"] == 5  # hours 50 and 71 fall in the first day after the 48 hours
    chart = charts.stacked_bars(series, human="opens_human", machine="opens_machine")
    assert chart["top"] == 5 and len(chart["bars"]) == 51


def test_given_a_campaign_not_started_when_the_series_is_built_then_it_is_empty():
    known = known_campaign()
    known.campaign.started_at = None

    assert report.engagement_series(known.campaign, now=T0) == []


def test_given_campaigns_when_the_list_figures_are_read_then_sent_counts_come_from_one_group_by(django_assert_max_num_queries):
    known = known_campaign()

    with django_assert_max_num_queries(3):
        figures = report.list_figures([known.campaign.pk])

    assert figures[known.campaign.pk] == {"sent": 6, "recipients": 8, "opens": 0, "clicks": 0}
