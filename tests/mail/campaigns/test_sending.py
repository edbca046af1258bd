"""The workers: each recipient gets its own message once, through a real SMTP server;
claiming, pause/resume/cancel, the frequency cap, quiet hours, the send window, local-time
scheduling, refusals at send time and retries."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from sarnakh.core import clock
from sarnakh.mail.campaigns import reasons, selectors, sending, services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions import services as subscription_services
from tests.mail.campaigns.conftest import ACTOR, a_list, campaign, people

pytestmark = pytest.mark.django_db(transaction=True)


def _schedule(c):
    return services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)


def test_given_a_list_when_the_campaign_is_sent_then_each_contact_gets_one_personalised_message_with_unsubscribe_headers(sink):
    ids = people(5)
    c = campaign(a_list(ids))
    _schedule(c)

    result = sending.run_worker(c.pk)

    assert result.sent == 5
    assert sorted(r.recipients[0] for r in sink.received) == [f"person{i}@example.org" for i in range(5)]
    by_to = {r.recipients[0]: r.message for r in sink.received}
    msg = by_to["person3@example.org"]
    assert msg["Subject"] == "News for Name3"
    assert "Hello Name3" in msg.get_body(("html",)).get_content()
    assert msg["List-Unsubscribe"].startswith("<http") and msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert sink.sessions == 1  # one connection for the batch
    c.refresh_from_db()
    assert c.status == Campaign.Status.SENT and c.finished_at is not None
    assert selectors.campaign_progress(c.pk)["sent"] == 5
    assert set(OutboundEmail.objects.values_list("idempotency_key", flat=True)) == {f"campaign:{c.pk}:{i}" for i in ids}


def test_given_a_sent_campaign_when_a_worker_runs_again_then_nobody_gets_a_second_message(sink):
    c = campaign(a_list(people(3)))
    _schedule(c)
    sending.run_worker(c.pk)
    CampaignRecipient.objects.filter(campaign=c).update(status="pending", lease_until=None)  # as if the outcomes were lost
    Campaign.objects.filter(pk=c.pk).update(status="sending")

    sending.run_worker(c.pk)

    assert len(sink.received) == 3
    assert CampaignRecipient.objects.filter(campaign=c, status="sent").count() == 3


def test_given_two_workers_when_they_claim_then_no_recipient_is_claimed_twice():
    c = campaign(a_list(people(5)))
    _schedule(c)

    first = sending.claim(c.pk, size=3, lease=dt.timedelta(minutes=5))
    second = sending.claim(c.pk, size=3, lease=dt.timedelta(minutes=5))
    third = sending.claim(c.pk, size=3, lease=dt.timedelta(minutes=5))
    with clock.frozen_at(clock.now() + dt.timedelta(minutes=6)):  # the first worker died: its lease ran out
        back = sending.claim(c.pk, size=10, lease=dt.timedelta(minutes=5))

    assert len(first) == 3 and len(second) == 2 and third == []
    assert not {r.pk for r in first} & {r.pk for r in second}
    assert {r.pk for r in back} == {r.pk for r in first} | {r.pk for r in second}


def test_given_two_worker_threads_when_they_send_one_campaign_then_each_recipient_gets_exactly_one_message(sink):
    c = campaign(a_list(people(60)))
    _schedule(c)
    results = []

    def work():
        from django.db import connection

        try:
            results.append(sending.run_worker(c.pk, share=2))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)

    counts = Counter(r.recipients[0] for r in sink.received)
    assert len(counts) == 60 and set(counts.values()) == {1}
    assert sum(r.sent for r in results) == 60


def test_given_a_paused_campaign_when_a_worker_runs_then_it_sends_nothing_until_resumed(sink):
    c = campaign(a_list(people(3)))
    _schedule(c)
    services.campaign_pause(actor=ACTOR, campaign_id=c.pk)

    nothing = sending.run_worker(c.pk)
    services.campaign_resume(actor=ACTOR, campaign_id=c.pk)
    later = sending.run_worker(c.pk)

    assert nothing.sent == 0 and later.sent == 3 and len(sink.received) == 3


def test_given_a_cancelled_campaign_when_a_worker_runs_then_nobody_gets_it(sink):
    c = campaign(a_list(people(3)))
    _schedule(c)
    services.campaign_cancel(actor=ACTOR, campaign_id=c.pk)

    result = sending.run_worker(c.pk)

    assert result.sent == 0 and not sink.received
    assert selectors.campaign_progress(c.pk)["cancelled"] == 3


def test_given_a_contact_at_the_frequency_cap_when_sent_then_it_waits_until_the_cap_frees_and_is_not_dropped(sink, settings):
    settings.SARNAKH_CAMPAIGN_FREQUENCY_CAP = "1/7"
    ids = people(2)
    c = campaign(a_list(ids))
    earlier = campaign(a_list(ids[:1], name="Earlier list"), name="Earlier")
    _schedule(earlier)
    sending.run_worker(earlier.pk)
    _schedule(c)

    result = sending.run_worker(c.pk)

    waiting = CampaignRecipient.objects.get(campaign=c, contact_id=ids[0])
    sent_at = OutboundEmail.objects.get(idempotency_key=f"campaign:{earlier.pk}:{ids[0]}").sent_at
    assert result.sent == 1 and result.deferred == 1
    assert (waiting.status, waiting.reason, waiting.deferrals) == ("pending", reasons.FREQUENCY_CAP, 1)
    assert waiting.not_before == sent_at + dt.timedelta(days=7)
    assert selectors.campaign_progress(c.pk)["deferred"] == 1
    assert Campaign.objects.get(pk=c.pk).status == "sending"  # not sent while someone waits
    with clock.frozen_at(waiting.not_before + dt.timedelta(seconds=1)):
        sending.run_worker(c.pk)
    assert CampaignRecipient.objects.get(pk=waiting.pk).status == "sent"
    assert Campaign.objects.get(pk=c.pk).status == "sent"


def test_given_night_in_the_contacts_time_zone_when_sent_then_it_waits_for_the_morning(sink, settings):
    settings.SARNAKH_CAMPAIGN_QUIET_HOURS = "21:00-08:00"
    tehran = people(1, time_zone="Asia/Tehran")
    c = campaign(a_list(tehran))
    night = dt.datetime(2030, 3, 1, 20, 0, tzinfo=dt.UTC)  # 23:30 in Tehran
    with clock.frozen_at(night):
        _schedule(c)
        sending.run_worker(c.pk)

    row = CampaignRecipient.objects.get(campaign=c)
    assert (row.status, row.reason) == ("pending", reasons.QUIET_HOURS)
    assert row.not_before == dt.datetime(2030, 3, 2, 4, 30, tzinfo=dt.UTC)  # 08:00 in Tehran
    assert not sink.received


def test_given_a_send_window_when_sent_outside_it_then_recipients_wait_for_it_to_open(sink, settings):
    settings.TIME_ZONE = "UTC"
    c = campaign(a_list(people(1)), window_start=dt.time(9), window_end=dt.time(17))
    evening = dt.datetime(2030, 3, 1, 18, 0, tzinfo=dt.UTC)
    with clock.frozen_at(evening):
        _schedule(c)
        sending.run_worker(c.pk)
    row = CampaignRecipient.objects.get(campaign=c)
    with clock.frozen_at(dt.datetime(2030, 3, 2, 9, 5, tzinfo=dt.UTC)):
        sending.run_worker(c.pk)

    assert (row.reason, row.not_before) == (reasons.WINDOW, dt.datetime(2030, 3, 2, 9, 0, tzinfo=dt.UTC))
    assert len(sink.received) == 1


def test_given_an_address_suppressed_after_scheduling_when_sent_then_the_gate_excludes_it_with_its_reason(sink):
    ids = people(2)
    c = campaign(a_list(ids))
    _schedule(c)
    subscription_services.suppression_add(address="person1@example.org", reason="complaint", actor=ACTOR)

    result = sending.run_worker(c.pk)

    row = CampaignRecipient.objects.get(campaign=c, contact_id=ids[1])
    assert (row.status, row.reason) == ("excluded", "complaint")
    assert result.sent == 1 and [r.recipients[0] for r in sink.received] == ["person0@example.org"]


def test_given_a_server_that_defers_and_refuses_when_sent_then_4xx_is_retried_with_backoff_and_5xx_bounces(sink, settings):
    ids = people(3)
    sink.refuse = {"person1@example.org": "451 4.7.1 try later", "person2@example.org": "550 5.1.1 no such user"}
    c = campaign(a_list(ids))
    _schedule(c)

    sending.run_worker(c.pk)
    later = CampaignRecipient.objects.get(campaign=c, contact_id=ids[1])
    bounced = CampaignRecipient.objects.get(campaign=c, contact_id=ids[2])
    backoffs = []
    for _try in range(6):  # the server keeps deferring: bounded attempts, then failed
        row = CampaignRecipient.objects.get(pk=later.pk)
        if row.status != "pending":
            break
        backoffs.append(row.not_before)
        with clock.frozen_at(row.not_before + dt.timedelta(seconds=1)):
            sending.run_worker(c.pk)

    assert (later.status, later.reason, later.attempts) == ("pending", reasons.RETRY, 1)
    assert (bounced.status, bounced.reason) == ("bounced", reasons.BOUNCED)
    gaps = [b - a for a, b in zip(backoffs, backoffs[1:], strict=False)]
    assert all(later_gap > earlier_gap for earlier_gap, later_gap in zip(gaps, gaps[1:], strict=False))
    final = CampaignRecipient.objects.get(pk=later.pk)
    assert (final.status, final.reason, final.attempts) == ("failed", reasons.FAILED, 5)
    assert Campaign.objects.get(pk=c.pk).status == "sent"


@pytest.mark.parametrize(("local", "expected"), [
    ("12:00", ("12:00", "")), ("22:30", ("09:00", reasons.QUIET_HOURS)), ("07:00", ("09:00", reasons.QUIET_HOURS)),
    ("08:30", ("09:00", reasons.WINDOW)), ("18:00", ("09:00", reasons.WINDOW)),
])
def test_given_quiet_hours_and_a_window_then_the_next_allowed_moment_is_outside_one_and_inside_the_other(local, expected):
    zone = ZoneInfo("Asia/Tehran")
    hour, minute = map(int, local.split(":"))
    moment = dt.datetime(2030, 3, 1, hour, minute, tzinfo=zone)

    at, why = sending.next_allowed(moment, zone, quiet=(dt.time(21), dt.time(8)), window=(dt.time(9), dt.time(17)))

    assert (at.astimezone(zone).strftime("%H:%M"), why) == expected  # quiet until 08:00, then the window opens at 09:00


def test_given_a_campaign_scheduled_now_then_its_worker_jobs_send_it(sink, settings):
    settings.SARNAKH_CAMPAIGN_WORKERS = 2
    from django_tasks_db.models import DBTaskResult

    from sarnakh.core.jobs import run_pending_jobs

    c = campaign(a_list(people(4)))
    _schedule(c)
    queued = DBTaskResult.objects.filter(task_path__endswith="send_slice").count()

    run_pending_jobs()

    assert queued == 2
    assert len(sink.received) == 4 and Campaign.objects.get(pk=c.pk).status == "sent"


def test_given_a_campaign_when_a_test_is_sent_then_it_goes_to_the_given_address_rendered_for_a_contact(sink):
    ids = people(2)
    c = campaign(a_list(ids))

    row = services.campaign_send_test(actor=ACTOR, campaign_id=c.pk, to_address="me@example.net", contact_id=ids[1])

    [got] = sink.received
    assert row.status == "sent" and got.recipients == ["me@example.net"]
    assert got.message["Subject"] == "[TEST] News for Name1"
    assert CampaignRecipient.objects.count() == 0  # a test is no recipient


def test_given_a_draft_when_send_campaign_runs_then_it_says_to_schedule_it_first(capsys):
    from sarnakh import cli

    c = campaign(a_list(people(1)))

    code = cli.main(["mail", "send-campaign", str(c.pk)])

    assert code == 2 and "schedule the campaign first" in capsys.readouterr().err


def test_given_a_sending_campaign_whose_waiting_recipients_came_due_then_the_periodic_check_starts_workers_once(sink, settings):
    settings.SARNAKH_CAMPAIGN_FREQUENCY_CAP = "1/7"
    from django_tasks_db.models import DBTaskResult

    from sarnakh.core.jobs import run_pending_jobs

    ids = people(1)
    earlier = campaign(a_list(ids, name="Earlier"), name="Earlier")
    _schedule(earlier)
    run_pending_jobs()
    c = campaign(a_list(ids))
    _schedule(c)
    run_pending_jobs()  # capped: waits a week
    waiting = CampaignRecipient.objects.get(campaign=c)

    with clock.frozen_at(waiting.not_before + dt.timedelta(minutes=1)):
        first = sending.start_due_campaigns()
        second = sending.start_due_campaigns()  # its jobs are queued: not again
        run_pending_jobs()

    assert waiting.reason == reasons.FREQUENCY_CAP
    assert (first, second) == (1, 0)
    assert DBTaskResult.objects.filter(task_path__endswith="send_slice", status="READY").count() == 0
    assert CampaignRecipient.objects.get(pk=waiting.pk).status == "sent" and len(sink.received) == 2
