"""`sarnakh site …` and `sarnakh events …`."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh import cli
from sarnakh.core import clock
from sarnakh.tracking.models import Event, Site
from sarnakh.tracking.sites import services as site_services

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


def test_given_name_and_origins_when_site_created_then_key_and_snippet_printed(capsys):
    code = cli.main(["site", "create", "Main site", "--origin", "https://www.example.com/", "--origin", "https://*.example.org"])
    out, err = capsys.readouterr()
    assert code == 0, err
    site = Site.objects.get()
    assert site.allowed_origins == ["https://www.example.com", "https://*.example.org"]
    assert f"Key: {site.key}" in out and f'"{site.key}"' in out and "<!-- Sarnakh tracking -->" in out
    assert "warning" not in err


def test_given_no_origin_then_site_created_with_a_warning(capsys):
    assert cli.main(["site", "create", "Open"]) == 0
    assert "any site may send events" in capsys.readouterr().err
    assert Site.objects.get().allowed_origins == []


def test_given_bad_origin_then_exit_2_with_the_problem_and_nothing_created(capsys):
    assert cli.main(["site", "create", "Main", "--origin", "example.com"]) == 2
    assert "error: origins: example.com: Start with http:// or https://." in capsys.readouterr().err
    assert not Site.objects.exists()


def test_site_list_prints_key_state_and_origins(capsys):
    shop = site_services.site_create(name="Shop", origins=["https://shop.example.com"])
    blog = site_services.site_create(name="Blog", origins=[])
    site_services.site_update(site_id=blog.pk, is_active=False)
    assert cli.main(["site", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"{blog.pk}\tBlog\t{blog.key}\tinactive\tany origin", f"{shop.pk}\tShop\t{shop.key}\tactive\thttps://shop.example.com"]


def _event(event_id: str, received_at: dt.datetime) -> Event:
    return Event.objects.create(source="internal", event_id=event_id, type="page_view", occurred_at=received_at, received_at=received_at)


def test_events_cleanup_dry_run_then_real(capsys):
    _event("old", NOW - dt.timedelta(days=200))
    _event("new", NOW - dt.timedelta(days=2))
    with clock.frozen_at(NOW):
        assert cli.main(["events", "cleanup", "--dry-run"]) == 0
        assert "would delete 1 events, 0 sessions, 0 visitors (anonymous, older than 180 days" in capsys.readouterr().out
        assert Event.objects.count() == 2
        assert cli.main(["events", "cleanup", "--days", "1"]) == 0
    assert "deleted 2 events" in capsys.readouterr().out
    assert not Event.objects.exists()


def test_events_cleanup_with_bad_days_exits_2(capsys):
    assert cli.main(["events", "cleanup", "--days", "0"]) == 2
    assert "--days: Use a whole number of days from 1 to 3650." in capsys.readouterr().err


def test_events_process_runs_until_nothing_is_left(capsys, monkeypatch):
    batches = [500, 500, 37, 0]
    monkeypatch.setattr("sarnakh.tracking.processor.process_pending_events", lambda: batches.pop(0))
    assert cli.main(["events", "process"]) == 0
    assert capsys.readouterr().out.strip() == "processed 1037 events"
    assert batches == []


def test_events_process_stops_at_its_bound_under_an_endless_inflow(capsys, monkeypatch):
    # given a source that never runs dry (events keep arriving as fast as they are processed)
    monkeypatch.setattr("sarnakh.tracking.processor.process_pending_events", lambda: 1000)
    monkeypatch.setattr("sarnakh.tracking.processor.MAX_DRAIN_EVENTS", 5000)
    # then the command ends after its bound instead of looping for ever
    assert cli.main(["events", "process"]) == 0
    assert capsys.readouterr().out.strip() == "processed 5000 events"


@pytest.mark.parametrize("argv", [["site", "--help"], ["site", "create", "--help"], ["events", "cleanup", "--help"], ["events", "process", "--help"]])
def test_commands_have_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 0
    assert "usage: sarnakh" in capsys.readouterr().out


def test_events_process_with_the_real_processor_processes_waiting_events(capsys):
    Event.objects.create(
        source="internal", event_id="p1", type="page_view", visitor_id="v-1", url="https://www.example.com/?gclid=1",
        occurred_at=NOW, received_at=NOW,
    )
    assert cli.main(["events", "process"]) == 0
    assert capsys.readouterr().out.strip() == "processed 1 events"
    assert Event.objects.get().processed_at is not None
