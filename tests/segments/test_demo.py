"""The demo's segments: made once through the services, each screen has something to show."""

from __future__ import annotations

import pytest

from sarnakh.contacts.demo import load_demo
from sarnakh.scoring.services import contacts_rescore_all
from sarnakh.segments.demo import load_segments_demo
from sarnakh.segments.models import Segment, SegmentMembershipChange
from sarnakh.tracking.demo import load_tracking_demo

pytestmark = pytest.mark.django_db


def test_given_the_demo_data_when_the_segments_demo_loads_then_segments_and_a_list_with_history_exist_once():
    load_demo(contacts=300, companies=40, seed=1403, days=120)
    load_tracking_demo(seed=1403, anonymous_visitors=50)
    contacts_rescore_all()

    load_segments_demo()
    again = load_segments_demo()

    dynamic = Segment.objects.filter(kind="dynamic")
    static = Segment.objects.get(kind="static")
    assert dynamic.count() == 4 and "skipped" in again
    assert sum(s.member_count for s in dynamic) > 0 and static.member_count > 0
    days = {c.date() for c in SegmentMembershipChange.objects.filter(segment=static).values_list("at", flat=True)}
    assert len(days) > 10
    assert SegmentMembershipChange.objects.filter(segment=static, change="left").exists()
