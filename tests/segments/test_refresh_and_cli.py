"""The scheduled refresh (time alone moves contacts out of windows), the housekeeping hook
that queues it, and `sarnakh segment refresh|count|export`."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io

import pytest
from django_tasks_db.models import DBTaskResult
from hypothesis import given
from hypothesis import strategies as st

from sarnakh.core import clock, housekeeping
from sarnakh.segments import commands, services
from sarnakh.segments.models import SegmentMembership
from sarnakh.tracking.models import Event
from tests.core.filters import world

pytestmark = pytest.mark.django_db

RECENT_PRICING = {"match": "all", "conditions": [
    {"field": "page_views", "op": "at_least", "value": {"times": 1, "days": 14, "path": "/pricing"}}]}


def test_given_a_window_segment_when_time_passes_then_the_due_refresh_lets_members_go():
    # given one contact whose only pricing visit is today
    ids = world.build(seed=9, contacts=3)
    Event.objects.all().delete()
    Event.objects.create(source="internal", event_id="p", type="page_view", occurred_at=world.NOW, received_at=world.NOW,
                         path="/pricing", contact_id=ids[0])
    with clock.frozen_at(world.NOW):
        segment = services.segment_create(name="pricing", filter=RECENT_PRICING)
    assert set(SegmentMembership.objects.values_list("contact_id", flat=True)) == {ids[0]}
    # when 10 minutes pass, the segment is not due yet
    with clock.frozen_at(world.NOW + dt.timedelta(minutes=10)):
        assert services.segment_refresh_due(older_than=dt.timedelta(minutes=14)) == 0
    # when 15 days pass, the scheduled refresh lets the contact go
    with clock.frozen_at(world.NOW + dt.timedelta(days=15)):
        assert services.segment_refresh_due(older_than=dt.timedelta(minutes=14)) == 1
    assert not SegmentMembership.objects.filter(segment=segment).exists()


def test_given_a_segment_when_housekeeping_runs_then_the_refresh_is_queued_once_per_period():
    services.segment_create(name="everyone", filter={"match": "all", "conditions": []})
    housekeeping._last_run.pop("segments.refresh_due", None)
    assert "segments.refresh_due" in housekeeping.run_due()
    assert "segments.refresh_due" not in housekeeping.run_due()
    queued = [job for job in DBTaskResult.objects.filter(status="READY") if job.task_path.endswith("refresh_due")]
    assert len(queued) == 1


def run(func, **options) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = func(argparse.Namespace(**options), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_given_segments_when_the_cli_refreshes_counts_and_exports_then_it_says_what_it_did():
    ids = world.build(seed=4, contacts=5)
    segment = services.segment_create(name="all", filter={"match": "all", "conditions": []}, refresh=False)
    code, out, _err = run(commands.cmd_segment_refresh, segment_id=None, all=True)
    assert code == 0 and f"segment {segment.pk}: 5 entered, 0 left, 5 members" in out
    assert run(commands.cmd_segment_refresh, segment_id=None, all=False)[0] == 2
    assert run(commands.cmd_segment_count, segment_id=segment.pk)[1].strip() == "5 members; 5 match now"
    assert run(commands.cmd_segment_count, segment_id=10**6)[0] == 2
    code, out, _err = run(commands.cmd_segment_export, segment_id=segment.pk)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [int(r["contact_id"]) for r in rows] == sorted(ids)
    assert all(r["reason"] == "refresh" for r in rows)


@given(st.sets(st.integers(1, 60)), st.sets(st.integers(1, 60)))
def test_the_refresh_diff_of_two_ordered_id_streams_is_the_set_difference(matching, stored):
    # given the matching ids and the stored members, each read in id order
    # when the refresh merges the two streams
    entered, left = services._ordered_diff(iter(sorted(matching)), iter(sorted(stored)))
    # then who enters and who leaves are the set differences, in order
    assert entered == sorted(matching - stored)
    assert left == sorted(stored - matching)
