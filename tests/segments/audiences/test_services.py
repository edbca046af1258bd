"""Audience exports: the file, consent and the reasons people are left out, the fetch URL's
token, the schedule, validation, pruning and the CLI."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from sarnakh.core import clock, housekeeping
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.segments import services as segment_services
from sarnakh.segments.audiences import commands, formats, selectors, services
from sarnakh.segments.audiences.models import Audience, AudienceExport
from tests.segments.audiences.support import NOW, contact, mixed_people, static_list

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def home(tmp_path, settings):
    settings.SARNAKH_HOME = tmp_path
    return tmp_path


def h(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read_rows(export: AudienceExport) -> list[list[str]]:
    path = selectors.export_path(export)
    assert path is not None
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_given_a_static_list_when_exported_for_google_then_the_file_holds_consenting_people_and_the_reasons_are_counted():
    # given a list with one contact of each case
    people = mixed_people()
    segment = static_list(people.values())
    audience = services.audience_create(segment_id=segment.pk, name="Google list", platform="google",
                                        identifiers=["email", "phone", "name"])
    # when
    export = services.export_now(audience_id=audience.pk)
    # then
    assert export.status == "done"
    rows = read_rows(export)
    assert rows[0] == ["Email", "Phone", "First Name", "Last Name"]
    assert sorted(rows[1:]) == sorted([
        [h("saraahmadi@gmail.com"), h("+989121234567"), h("سارا"), h("احمدی")],
        ["", h("+989351112233"), "", ""],
    ])
    assert export.members == 7 and export.exported == 2
    assert export.excluded == {"unsubscribed": 1, "no_consent": 1, "no_email_or_phone": 1, "invalid_email": 1, "invalid_phone": 1}


def test_given_legitimate_interest_when_exported_then_not_asked_contacts_go_in_but_never_the_unsubscribed():
    people = mixed_people()
    audience = services.audience_create(segment_id=static_list(people.values()).pk, name="Meta", platform="meta",
                                        identifiers=["email"])
    with override_settings(SARNAKH_AUDIENCE_LEGITIMATE_INTEREST=True):
        export = services.export_now(audience_id=audience.pk)
    hashes = {row[0] for row in read_rows(export)[1:]}
    assert h("maybe@example.com") in hashes
    assert h("gone@example.com") not in hashes
    assert export.excluded["unsubscribed"] == 1 and "no_consent" not in export.excluded


def test_given_a_dynamic_segment_when_exported_for_meta_then_its_stored_members_are_written_in_metas_format():
    # given a dynamic segment of Iranian contacts
    ir = [contact(f"p{i}@example.com", f"+98912000{i:04d}", country="IR").pk for i in range(5)]
    contact("abroad@example.com", country="DE")
    segment = segment_services.segment_create(name="Iran", filter={"match": "all", "conditions": [
        {"field": "country", "op": "eq", "value": "IR"}]})
    audience = services.audience_create(segment_id=segment.pk, name="Meta Iran", platform="meta",
                                        identifiers=["email", "phone", "location"])
    # when
    export = services.export_now(audience_id=audience.pk)
    # then
    rows = read_rows(export)
    assert rows[0] == ["EMAIL", "PHONE", "CT", "COUNTRY"]
    assert len(rows) == 1 + len(ir)
    assert rows[1] == [h("p0@example.com"), h("989120000000"), "", h("ir")]


def test_given_many_members_when_exported_then_pages_are_read_in_batches_and_everyone_is_written(monkeypatch):
    # given more members than a batch (the batch made small so the test stays quick)
    monkeypatch.setattr(services, "BATCH", 7)
    ids = [contact(f"m{i}@example.com").pk for i in range(30)]
    audience = services.audience_create(segment_id=static_list(ids).pk, name="Big", platform="google", identifiers=["email"])
    export = services.export_now(audience_id=audience.pk)
    assert export.exported == 30
    assert len(read_rows(export)) == 31
    # no temporary file is left beside the final one
    assert [p.name for p in (selectors.audiences_dir() / str(audience.pk)).iterdir()] == [f"{export.pk}-google.csv"]


def test_given_a_deleted_contact_still_in_a_list_then_it_is_counted_as_gone():
    kept, gone = contact("kept@example.com"), contact("gone2@example.com")
    audience = services.audience_create(segment_id=static_list([kept.pk, gone.pk]).pk, name="x", platform="google")
    gone.delete()
    export = services.export_now(audience_id=audience.pk)
    assert export.exported == 1 and export.excluded == {"gone": 1}


@pytest.mark.parametrize(("values", "field"), [
    ({"name": " ", "platform": "google", "identifiers": ["email"]}, "name"),
    ({"name": "x", "platform": "tiktok", "identifiers": ["email"]}, "platform"),
    ({"name": "x", "platform": "meta", "identifiers": ["name", "location"]}, "identifiers"),
    ({"name": "x", "platform": "meta", "identifiers": ["email", "ssn"]}, "identifiers"),
    ({"name": "x", "platform": "meta", "identifiers": ["email"], "schedule": "hourly"}, "schedule"),
])
def test_given_bad_settings_when_an_audience_is_created_then_the_field_is_named_and_nothing_is_saved(values, field):
    segment = static_list([])
    with pytest.raises(ValidationFailed) as error:
        services.audience_create(segment_id=segment.pk, **values)
    assert field in error.value.fields
    assert not Audience.objects.exists()


def test_given_an_unknown_segment_when_an_audience_is_created_then_not_found():
    with pytest.raises(NotFound):
        services.audience_create(segment_id=999_999, name="x", platform="google")


def test_given_an_export_queued_twice_then_one_job_writes_one_file():
    audience = services.audience_create(segment_id=static_list([contact("q@example.com").pk]).pk, name="q", platform="google")
    first = services.export_queue(audience_id=audience.pk)
    second = services.export_queue(audience_id=audience.pk)
    assert first.pk == second.pk and first.status == "queued"
    run_pending_jobs()
    first.refresh_from_db()
    assert first.status == "done" and first.exported == 1
    assert selectors.latest_export(audience.pk).pk == first.pk


def test_given_more_exports_than_kept_then_older_files_are_pruned_and_their_figures_stay():
    audience = services.audience_create(segment_id=static_list([contact("k@example.com").pk]).pk, name="k", platform="google")
    exports = [services.export_now(audience_id=audience.pk) for _ in range(services.KEEP_FILES + 2)]
    with_files = [e.pk for e in AudienceExport.objects.filter(audience=audience).exclude(file_name="")]
    assert with_files == [e.pk for e in exports[-services.KEEP_FILES:]]
    assert len(list((selectors.audiences_dir() / str(audience.pk)).iterdir())) == services.KEEP_FILES
    assert AudienceExport.objects.get(pk=exports[0].pk).exported == 1


def test_given_an_audience_when_deleted_then_its_files_go_too():
    audience = services.audience_create(segment_id=static_list([contact("d@example.com").pk]).pk, name="d", platform="meta")
    path = selectors.export_path(services.export_now(audience_id=audience.pk))
    services.audience_delete(audience_id=audience.pk)
    assert not path.exists()
    assert not AudienceExport.objects.exists()


def test_given_a_segment_deleted_with_its_audience_when_the_due_check_runs_then_the_files_go():
    segment = static_list([contact("o@example.com").pk])
    audience = services.audience_create(segment_id=segment.pk, name="o", platform="google")
    kept = services.audience_create(segment_id=static_list([contact("p@example.com").pk]).pk, name="p", platform="google")
    path = selectors.export_path(services.export_now(audience_id=audience.pk))
    kept_path = selectors.export_path(services.export_now(audience_id=kept.pk))
    segment_services.segment_delete(segment_id=segment.pk)
    assert path.exists()
    services.export_due()
    assert not path.parent.exists() and kept_path.exists()


# ---------------------------------------------------------------- the fetch URL's token


def test_given_an_audience_then_its_token_is_long_stored_nowhere_and_changes_when_regenerated():
    audience = services.audience_create(segment_id=static_list([]).pk, name="t", platform="google")
    token = selectors.feed_token(audience)
    assert len(token) == 64
    assert token not in audience.feed_nonce and audience.feed_nonce not in token
    assert selectors.feed_audience(audience.pk, token) == audience
    assert selectors.feed_audience(audience.pk, token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert selectors.feed_audience(audience.pk + 1, token) is None
    renewed = services.audience_regenerate_token(audience_id=audience.pk)
    assert selectors.feed_audience(audience.pk, token) is None
    assert selectors.feed_audience(audience.pk, selectors.feed_token(renewed)) == renewed
    revoked = services.audience_revoke_token(audience_id=audience.pk)
    assert selectors.feed_token(revoked) == "" and selectors.feed_url(revoked) == ""
    assert selectors.feed_audience(audience.pk, "") is None


# ---------------------------------------------------------------- schedule


def test_due_logic_per_schedule():
    day = dt.timedelta(days=1)
    assert not selectors.is_due("manual", None, NOW)
    assert selectors.is_due("daily", None, NOW)
    assert not selectors.is_due("daily", NOW - day + dt.timedelta(minutes=16), NOW)
    assert selectors.is_due("daily", NOW - day + dt.timedelta(minutes=15), NOW)  # the slack keeps runs from drifting
    assert not selectors.is_due("weekly", NOW - 6 * day, NOW)
    assert selectors.is_due("weekly", NOW - 7 * day, NOW)


def test_given_scheduled_audiences_when_time_passes_then_only_due_ones_are_exported():
    segment = static_list([contact("s@example.com").pk])
    with clock.frozen_at(NOW):
        daily = services.audience_create(segment_id=segment.pk, name="daily", platform="google", schedule="daily")
        weekly = services.audience_create(segment_id=segment.pk, name="weekly", platform="meta", schedule="weekly")
        services.audience_create(segment_id=segment.pk, name="manual", platform="meta")
        # never exported: both scheduled ones are due at once
        assert services.export_due() == 2
        run_pending_jobs()
    with clock.frozen_at(NOW + dt.timedelta(hours=12)):
        assert selectors.due_audience_ids(clock.now()) == []
    with clock.frozen_at(NOW + dt.timedelta(days=1)):
        assert selectors.due_audience_ids(clock.now()) == [daily.pk]
        assert services.export_due() == 1
        run_pending_jobs()
    with clock.frozen_at(NOW + dt.timedelta(days=7)):
        assert selectors.due_audience_ids(clock.now()) == [daily.pk, weekly.pk]
    assert AudienceExport.objects.filter(audience=daily, status="done").count() == 2
    assert AudienceExport.objects.filter(audience=weekly, status="done").count() == 1


def test_given_a_scheduled_audience_when_housekeeping_runs_then_the_check_is_queued():
    services.audience_create(segment_id=static_list([]).pk, name="daily", platform="google", schedule="daily")
    housekeeping._last_run.pop("segments.audiences.export_due", None)
    assert "segments.audiences.export_due" in housekeeping.run_due()
    assert any(job.task_path.endswith("audiences.tasks.export_due") for job in DBTaskResult.objects.filter(status="READY"))


def test_given_a_stale_running_export_then_a_new_one_may_start():
    audience = services.audience_create(segment_id=static_list([contact("z@example.com").pk]).pk, name="z", platform="google")
    with clock.frozen_at(NOW):
        stuck = AudienceExport.objects.create(audience=audience, status="running", queued_at=NOW, started_at=NOW)
    with clock.frozen_at(NOW + dt.timedelta(hours=7)):
        export = services.export_now(audience_id=audience.pk)
    assert export.status == "done"
    stuck.refresh_from_db()
    assert stuck.status == "failed"


# ---------------------------------------------------------------- CLI


def test_given_an_audience_when_the_cli_exports_it_to_a_file_then_the_file_and_counts_are_written(tmp_path):
    audience = services.audience_create(segment_id=static_list(mixed_people().values()).pk, name="cli", platform="google",
                                        identifiers=["email"])
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "out.csv"
    code = commands.cmd_audience_export(argparse.Namespace(audience_id=audience.pk, out=str(target)), stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    assert target.read_text(encoding="utf-8").splitlines()[0] == "Email"
    assert "1 exported" in out.getvalue() and "invalid_email: 1" in out.getvalue()


def test_given_an_unknown_audience_when_the_cli_exports_then_it_fails_with_a_message():
    err = io.StringIO()
    code = commands.cmd_audience_export(argparse.Namespace(audience_id=424242, out=None), stdout=io.StringIO(), stderr=err)
    assert code == 2 and "424242" in err.getvalue()


def test_reasons_have_labels():
    from sarnakh.segments.audiences.views import REASON_LABELS

    assert set(REASON_LABELS) == set(formats.REASONS)
