"""The demo's opens and clicks: both kinds, through the same service; a second run adds nothing."""

from __future__ import annotations

import pytest

from sarnakh.mail.tracking.demo import load_engagement_demo
from sarnakh.mail.tracking.models import EmailEngagement
from tests.mail.tracking.support import sent_email

pytestmark = pytest.mark.django_db


def test_given_sent_messages_when_the_demo_loads_then_human_and_machine_engagement_appear_once():
    ids = [sent_email().pk for _ in range(60)]
    summary = load_engagement_demo(ids)
    assert "human" in summary
    machine = set(EmailEngagement.objects.filter(machine=True).values_list("machine_reason", flat=True))
    assert {"apple_mpp"} <= machine and machine <= {"apple_mpp", "soon_after_delivery", "click_burst", "bot"}
    assert EmailEngagement.objects.filter(machine=False, kind="open").exists()
    assert EmailEngagement.objects.filter(machine=False, kind="click").exists()
    count = EmailEngagement.objects.count()
    load_engagement_demo(ids)
    assert EmailEngagement.objects.count() == count
