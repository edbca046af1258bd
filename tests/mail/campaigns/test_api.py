"""/api/v1/campaigns: every operation, its errors (unknown ids, a frozen campaign, bad
values answered field by field), and its keys (a read key cannot write)."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.mail.campaigns.models import Campaign
from tests.mail.campaigns.ui_support import a_list, draft, known_campaign, people, template
from tests.mail.delivery.conftest import sink  # noqa: F401 - a real SMTP server for the test send

pytestmark = pytest.mark.django_db
BASE = "/api/v1/campaigns"


def _body(**values) -> dict:
    return {"name": "Azar newsletter", "template_id": template().pk, "topic": "newsletter", **values}


def test_given_a_list_when_a_campaign_is_created_read_changed_and_deleted_then_each_answer_says_so(write_api):
    segment_id = a_list(people(3))

    created = write_api.post(BASE, _body(segment_id=segment_id, schedule_kind="at", scheduled_at="2030-01-02T10:30:00+03:30",
                                         window_start="09:00", window_end="17:00", conversion_stage="mql"))

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["segment_id"], body["window_start"], body["conversion_days"]) == ("draft", segment_id, "09:00:00", 30)
    assert dt.datetime.fromisoformat(body["scheduled_at"]) == dt.datetime(2030, 1, 2, 7, 0, tzinfo=dt.UTC)
    pk = body["id"]
    assert write_api.get(f"{BASE}/{pk}").json()["name"] == "Azar newsletter"
    assert [c["id"] for c in write_api.get(BASE, {"status": "draft"}).json()] == [pk]
    changed = write_api.patch(f"{BASE}/{pk}", {"name": "Renamed", "sender_id": None})
    assert changed.status_code == 200 and changed.json()["name"] == "Renamed" and changed.json()["segment_id"] == segment_id
    assert write_api.delete(f"{BASE}/{pk}").status_code == 204
    assert write_api.get(f"{BASE}/{pk}").status_code == 404


def test_given_bad_values_when_created_then_422_names_each_field_and_nothing_is_saved(write_api):
    answer = write_api.post(BASE, _body(name="", segment_id=None, schedule_kind="at"))

    assert answer.status_code == 422
    fields = answer.json()["error"]["fields"]
    assert {"name", "segment_id", "scheduled_at"} <= set(fields)
    assert write_api.post(BASE, _body(segment_id=1, scheduled_at="tomorrow")).status_code == 422
    assert write_api.post(BASE, _body(segment_id=1, scheduled_at="2030-01-02T10:30:00")).status_code == 422  # no offset
    assert write_api.post(BASE, _body(segment_id=1, conversion_days=999)).status_code == 422
    assert write_api.post(BASE, _body(segment_id=1, surprise=1)).status_code == 422
    assert not Campaign.objects.exists()


def test_given_a_draft_when_reviewed_then_counts_and_reasons_come_with_labels(write_api):
    c = draft(a_list(people(3) + people(1, start=10, consent="unknown")))

    review = write_api.get(f"{BASE}/{c.pk}/review").json()

    assert (review["total"], review["sendable"], review["frozen"]) == (4, 3, False)
    assert review["excluded"] == [{"reason": "no_consent", "label": "No consent", "count": 1}]
    assert len(review["sample"]) == 3


def test_given_a_draft_when_scheduled_paused_resumed_and_cancelled_then_status_and_progress_follow(write_api):
    c = draft(a_list(people(3)), schedule_kind="at", scheduled_at=dt.datetime(2031, 1, 1, 9, tzinfo=dt.UTC))

    scheduled = write_api.post(f"{BASE}/{c.pk}/schedule")
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    assert scheduled.json()["recipients_built_at"] is not None
    progress = write_api.get(f"{BASE}/{c.pk}/progress").json()
    assert (progress["status"], progress["total"], progress["pending"]) == ("scheduled", 3, 3)
    assert write_api.post(f"{BASE}/{c.pk}/schedule").status_code == 409
    assert write_api.patch(f"{BASE}/{c.pk}", {"name": "Too late"}).status_code == 409
    assert write_api.post(f"{BASE}/{c.pk}/pause").json()["status"] == "paused"
    assert write_api.post(f"{BASE}/{c.pk}/resume").json()["status"] == "scheduled"
    assert write_api.post(f"{BASE}/{c.pk}/cancel").json()["status"] == "cancelled"
    assert write_api.get(f"{BASE}/{c.pk}/progress").json()["cancelled"] == 3
    assert write_api.post(f"{BASE}/{c.pk}/pause").status_code == 409
    assert write_api.delete(f"{BASE}/{c.pk}").status_code == 409


def test_given_a_known_campaign_when_its_report_is_read_then_figures_match_the_hand_count(read_api):
    known = known_campaign()

    report = read_api.get(f"{BASE}/{known.campaign.pk}/report").json()

    assert {k: report[k] for k in ("recipients", "sent", "delivered", "bounced_hard", "unsubscribes", "conversions")} == {
        "recipients": 8, "sent": 6, "delivered": 5, "bounced_hard": 1, "unsubscribes": 2, "conversions": 2}
    assert report["deferred"] == [{"reason": "frequency_cap", "label": "Frequency cap reached", "count": 1}]
    assert report["click_map"] == [] and report["series"][0]["size"] == "hour"


def test_given_a_draft_when_a_test_is_sent_then_the_address_gets_it(write_api, sink):  # noqa: F811
    c = draft(a_list(people(2)))

    answer = write_api.post(f"{BASE}/{c.pk}/test-send", {"to_address": "me@example.com"})

    assert answer.status_code == 200 and answer.json()["to_address"] == "me@example.com"
    assert [r.recipients for r in sink.received] == [["me@example.com"]]


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/{id}"), ("patch", "/{id}"), ("delete", "/{id}"), ("get", "/{id}/review"), ("post", "/{id}/schedule"),
    ("post", "/{id}/pause"), ("post", "/{id}/resume"), ("post", "/{id}/cancel"), ("get", "/{id}/progress"),
    ("get", "/{id}/report"),
])
def test_given_an_unknown_campaign_then_404(write_api, method, path):
    call = getattr(write_api, method)
    answer = call(BASE + path.replace("{id}", "999999")) if method in ("get", "delete") else call(BASE + path.replace("{id}", "999999"), {})

    assert answer.status_code == 404


def test_given_keys_then_a_read_key_reads_but_cannot_write_and_no_key_gets_401(read_api, anon_api):
    c = draft(a_list(people(2)))

    assert read_api.get(f"{BASE}/{c.pk}").status_code == 200
    for path in ("", f"/{c.pk}/schedule", f"/{c.pk}/pause", f"/{c.pk}/test-send"):
        assert read_api.post(BASE + path, {}).status_code == 403
    assert read_api.patch(f"{BASE}/{c.pk}", {"name": "x"}).status_code == 403
    assert read_api.delete(f"{BASE}/{c.pk}").status_code == 403
    assert anon_api.get(BASE).status_code == 401
    assert read_api.get(BASE, {"limit": 0}).status_code == 422 and read_api.get(f"{BASE}/0").status_code in (404, 422)
