"""The campaigns demo: a sent Persian and a sent English campaign with recipients, messages,
unsubscribes and conversions, a scheduled one and a draft; a second run adds nothing."""

from __future__ import annotations

import pytest

from sarnakh.contacts.demo import load_demo
from sarnakh.mail.campaigns import report
from sarnakh.mail.campaigns.demo import load_campaigns_demo
from sarnakh.mail.campaigns.models import Campaign
from sarnakh.mail.subscriptions.demo import load_subscriptions_demo
from sarnakh.segments.audiences.demo import load_audience_demo
from sarnakh.segments.demo import load_segments_demo

pytestmark = pytest.mark.django_db


def test_given_the_demo_contacts_when_the_campaigns_demo_loads_then_every_screen_has_something_to_show(marketer_client):
    load_demo(contacts=300, companies=40, seed=1403, days=120)
    load_segments_demo()
    load_audience_demo()
    load_subscriptions_demo(seed=1403)

    summary = load_campaigns_demo(seed=1403)

    assert sorted(Campaign.objects.values_list("status", flat=True)) == ["draft", "scheduled", "sent", "sent"], summary
    persian = Campaign.objects.get(name="خبرنامه آذر")
    figures = report.campaign_report(persian)
    assert figures.sent > 0 and figures.delivered <= figures.sent and figures.unsubscribes == 3 and figures.conversions > 0
    assert load_campaigns_demo(seed=1403).startswith("Campaigns demo skipped")
    for c in Campaign.objects.all():
        for page in ("review", "progress", "report"):
            assert marketer_client.get(f"/email/campaigns/{c.pk}/{page}/").status_code == 200
