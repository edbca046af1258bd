"""Composing, reviewing and scheduling a campaign: validation, the frozen audience with
each exclusion's reason, the review's counts, pause, resume and cancel."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.core import clock
from sarnakh.core.errors import Conflict, ValidationFailed
from sarnakh.mail.campaigns import reasons, selectors, sending, services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity
from sarnakh.mail.subscriptions import services as subscription_services
from tests.mail.campaigns.conftest import ACTOR, a_list, campaign, people, template

pytestmark = pytest.mark.django_db


def test_given_bad_values_when_a_campaign_is_created_then_every_field_at_fault_is_named_and_nothing_is_saved():
    with pytest.raises(ValidationFailed) as caught:
        services.campaign_create(actor=ACTOR, name=" ", template_id=999, topic="no-such-topic", audience_kind="filter",
                                 audience_filter={"match": "all", "conditions": [{"field": "nope", "op": "eq", "value": 1}]},
                                 schedule_kind="at", window_start=dt.time(9), conversion_days=0)

    assert {"name", "template_id", "topic", "audience_filter", "scheduled_at", "window_end", "conversion_days"} <= set(caught.value.fields)
    assert not Campaign.objects.exists()


def test_given_a_draft_when_it_is_changed_then_it_changes_and_once_scheduled_it_cannot(sink):
    c = campaign(a_list(people(2)))

    changed = services.campaign_update(actor=ACTOR, campaign_id=c.pk, name="Azar, second try", utm_campaign="azar")
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)

    assert changed.name == "Azar, second try" and changed.utm_campaign == "azar"
    with pytest.raises(Conflict):
        services.campaign_update(actor=ACTOR, campaign_id=c.pk, name="Too late")
    with pytest.raises(Conflict):
        services.campaign_delete(actor=ACTOR, campaign_id=c.pk)
    with pytest.raises(Conflict):
        services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)


def test_given_an_audience_with_people_who_may_not_get_it_when_reviewed_and_scheduled_then_each_is_counted_under_its_reason():
    ok = people(4)
    never_asked = people(1, start=10, consent="not_asked")
    unsubscribed = people(1, start=20, consent="unsubscribed")
    bounced = people(1, start=30)
    left_topic = people(1, start=40)
    no_email = people(1, start=50, domain="x")
    from sarnakh.contacts.models import Contact

    Contact.objects.filter(pk__in=no_email).update(email="")
    subscription_services.suppression_add(address="person30@example.org", reason="hard_bounce", actor=ACTOR)
    subscription_services.topic_opt_out(contact_id=left_topic[0], topic_key="newsletter", how="preferences")
    c = campaign(a_list(ok + never_asked + unsubscribed + bounced + left_topic + no_email))

    before = selectors.campaign_review(c.pk)
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)
    after = selectors.campaign_review(c.pk)

    expected = {reasons.NO_CONSENT: 1, reasons.UNSUBSCRIBED_ALL: 1, reasons.HARD_BOUNCE: 1, reasons.TOPIC_OPT_OUT: 1,
                reasons.NO_ADDRESS: 1}
    assert (before.total, before.sendable, before.excluded) == (9, 4, expected)
    assert (after.total, after.sendable, after.excluded, after.frozen) == (9, 4, expected, True)
    assert [cid for cid, _email in before.sample] == ok
    rows = CampaignRecipient.objects.filter(campaign=c)
    assert rows.filter(status="pending").count() == 4
    assert rows.get(contact_id=bounced[0]).reason == reasons.HARD_BOUNCE
    assert str(reasons.label(reasons.TOPIC_OPT_OUT)) == "Unsubscribed from this topic"


def test_given_contacts_at_the_frequency_cap_when_reviewed_then_the_review_says_how_many_would_wait(settings):
    settings.SARNAKH_CAMPAIGN_FREQUENCY_CAP = "2/7"
    ids = people(3)
    sender = SenderIdentity.objects.create(from_address="news@example.org", dkim_domain="example.org", is_default=True,
                                           created_at=clock.now(), updated_at=clock.now())
    for n in range(2):
        OutboundEmail.objects.create(idempotency_key=f"earlier:{n}", contact_id=ids[0], to_address="person0@example.org",
                                     sender=sender, kind="marketing", subject="Earlier", status="sent", sent_at=clock.now(),
                                     created_at=clock.now())
    c = campaign(a_list(ids))

    review = selectors.campaign_review(c.pk)

    assert review.sendable == 3 and review.deferred_now == {reasons.FREQUENCY_CAP: 1}


def test_given_a_filter_audience_when_scheduled_then_the_contacts_it_matches_now_are_frozen():
    people(3)
    people(2, start=10, domain="other.org")
    c = services.campaign_create(actor=ACTOR, name="Other org", template_id=template().pk, audience_kind="filter",
                                 audience_filter={"match": "all", "conditions": [
                                     {"field": "email", "op": "contains", "value": "other.org"}]})

    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)

    assert sorted(CampaignRecipient.objects.filter(campaign=c).values_list("email", flat=True)) == [
        "person10@other.org", "person11@other.org"]


def test_given_a_campaign_for_later_when_scheduled_then_it_waits_and_starts_by_itself_when_its_time_comes(django_capture_on_commit_callbacks):
    start = clock.now() + dt.timedelta(hours=2)
    c = campaign(a_list(people(2)), schedule_kind="at", scheduled_at=start)

    scheduled = services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)
    nothing_yet = sending.start_due_campaigns()
    with clock.frozen_at(start + dt.timedelta(minutes=1)):
        started = sending.start_due_campaigns()

    assert scheduled.status == Campaign.Status.SCHEDULED and nothing_yet == 0
    assert started == 1
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.SENDING


def test_given_contacts_in_two_time_zones_when_a_local_time_campaign_is_scheduled_then_each_waits_for_its_own_morning(settings):
    settings.TIME_ZONE = "UTC"
    tehran = people(1, time_zone="Asia/Tehran")
    new_york = people(1, start=5, time_zone="America/New_York")
    unknown = people(1, start=9)
    at = dt.datetime(2030, 3, 1, 9, 0, tzinfo=dt.UTC)  # 09:00 on the wall clock, wherever the contact is
    c = campaign(a_list(tehran + new_york + unknown), schedule_kind="local_time", scheduled_at=at)

    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)

    due = dict(CampaignRecipient.objects.filter(campaign=c).values_list("contact_id", "not_before"))
    assert due[tehran[0]] == dt.datetime(2030, 3, 1, 5, 30, tzinfo=dt.UTC)
    assert due[new_york[0]] == dt.datetime(2030, 3, 1, 14, 0, tzinfo=dt.UTC)
    assert due[unknown[0]] == at  # the site's zone
    assert set(CampaignRecipient.objects.filter(campaign=c).values_list("reason", flat=True)) == {reasons.LOCAL_TIME}
    assert Campaign.objects.get(pk=c.pk).status == Campaign.Status.SCHEDULED


def test_given_a_scheduled_campaign_when_paused_resumed_and_cancelled_then_the_waiting_recipients_are_cancelled():
    c = campaign(a_list(people(3)), schedule_kind="at", scheduled_at=clock.now() + dt.timedelta(days=1))
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)

    paused = services.campaign_pause(actor=ACTOR, campaign_id=c.pk)
    resumed = services.campaign_resume(actor=ACTOR, campaign_id=c.pk)
    cancelled = services.campaign_cancel(actor=ACTOR, campaign_id=c.pk)

    assert (paused.status, resumed.status, cancelled.status) == ("paused", "scheduled", "cancelled")
    assert selectors.campaign_progress(c.pk)["cancelled"] == 3
    with pytest.raises(Conflict):
        services.campaign_resume(actor=ACTOR, campaign_id=c.pk)
