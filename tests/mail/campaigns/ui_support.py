"""Fixtures for the campaign screens', API's, report's and recipients' tests: a list, a template, a draft,
and a campaign with a known outcome written by hand (the report's figures are counted
against it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sarnakh.contacts.models import Contact, StageChange
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.mail.bounces.models import Bounce
from sarnakh.mail.campaigns import services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.content import services as content_services
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions import services as subscription_services
from sarnakh.mail.subscriptions.models import SubscriptionTopic, Suppression, TopicOptOut
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.segments import services as segment_services

ACTOR = Actor.system("tests")
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # when the known campaign was sent


def people(n: int, *, start: int = 0, consent: str = "subscribed", domain: str = "example.org") -> list[int]:
    now = clock.now()
    rows = [Contact(email=f"person{i}@{domain}", first_name=f"Name{i}", consent=consent, stage_id="lead",
                    created_at=now, updated_at=now) for i in range(start, start + n)]
    Contact.objects.bulk_create(rows)
    return list(Contact.objects.filter(email__in=[r.email for r in rows]).order_by("pk").values_list("pk", flat=True))


def a_list(contact_ids: list[int], name: str = "Newsletter readers") -> int:
    segment = segment_services.segment_create(name=name, kind="static")
    segment_services.list_add(segment_id=segment.pk, contact_ids=contact_ids, actor=ACTOR)
    return segment.pk


def template(name: str = "Azar news", language: str = "en"):
    subscription_services.topic_seed_defaults()
    return content_services.template_create(
        name=name, subject="News for {{ contact.first_name | default('you') }}", language=language,
        html="<p>Hello {{ contact.first_name | default('friend') }}, <a href='https://example.com/offer'>the offer</a>.</p>")


def draft(segment_id: int, **values) -> Campaign:
    fields = {"name": "Azar newsletter", "template_id": template().pk, "segment_id": segment_id, "topic": "newsletter"}
    return services.campaign_create(actor=ACTOR, **{**fields, **values})


@dataclass
class Known:
    campaign: Campaign
    contacts: list[int]


def known_campaign() -> Known:
    """Eight contacts on a list; the campaign (topic newsletter, conversion to mql within 14
    days) was sent at T0, written by hand:
      0–4 sent (4 at T0 + 1 h), 5 bounced hard at the SMTP transaction, 6 excluded (no consent),
      7 pending, deferred by the frequency cap.
    After the send: 0 unsubscribed from all on day 2 (counted), 1 on day 10 (not: past 7 days),
      2 left the newsletter on day 1 (counted), 3 left another topic (not);
      0 and 4 reached mql on days 3 and 13 (counted), 1 on day 20 (not), 2 the day before (not)."""
    ids = people(8)
    c = draft(a_list(ids), conversion_stage="mql", conversion_days=14)
    sender = delivery.sender_default()
    for i, pk in enumerate(ids):
        email = f"person{i}@example.org"
        status, reason, log = CampaignRecipient.Status.SENT, "", None
        sent_at = T0 + (dt.timedelta(hours=1) if i == 4 else dt.timedelta())
        if i <= 5:
            log = OutboundEmail.objects.create(
                idempotency_key=f"campaign:{c.pk}:{pk}", contact_id=pk, to_address=email, sender=sender, kind="marketing",
                subject="News", status="bounced_hard" if i == 5 else "sent", created_at=sent_at, sent_at=sent_at)
            status = CampaignRecipient.Status.BOUNCED if i == 5 else status
        elif i == 6:
            status, reason, sent_at = CampaignRecipient.Status.EXCLUDED, "no_consent", None
        else:
            status, reason, sent_at = CampaignRecipient.Status.PENDING, "frequency_cap", None
        CampaignRecipient.objects.create(campaign=c, contact_id=pk, email=email, status=status, reason=reason,
                                         email_log=log, sent_at=sent_at)
    Campaign.objects.filter(pk=c.pk).update(status="sending", started_at=T0, recipients_built_at=T0, scheduled_at=T0)
    Suppression.objects.create(address="person0@example.org", reason="unsubscribed_all", created_at=T0 + dt.timedelta(days=2))
    Suppression.objects.create(address="person1@example.org", reason="unsubscribed_all", created_at=T0 + dt.timedelta(days=10))
    newsletter = SubscriptionTopic.objects.get(key="newsletter")
    other = SubscriptionTopic.objects.exclude(key="newsletter").first()
    TopicOptOut.objects.create(contact_id=ids[2], topic=newsletter, at=T0 + dt.timedelta(days=1), how="preference_centre")
    TopicOptOut.objects.create(contact_id=ids[3], topic=other, at=T0 + dt.timedelta(days=1), how="preference_centre")
    for i, days in ((0, 3), (4, 13), (1, 20), (2, -1)):
        StageChange.objects.create(contact_id=ids[i], from_stage="lead", to_stage="mql", changed_at=T0 + dt.timedelta(days=days))
    c.refresh_from_db()
    return Known(campaign=c, contacts=ids)


OFFER, OTHER = "https://example.com/offer", "https://example.com/other"


def engaged_campaign():
    """known_campaign, then: person0 opened (human) at +2 h and clicked the offer twice, then
    the other link; person1 was opened by a privacy proxy only; person2 opened (human) and a
    proxy too; person3 bounced soft and complained; person4 nothing; person5 bounced hard."""
    known = known_campaign()
    logs = {r.contact_id: r.email_log_id for r in CampaignRecipient.objects.filter(campaign=known.campaign)}
    ids = known.contacts

    def hit(i, kind, hours, machine=False, url=""):
        EmailEngagement.objects.create(email_id=logs[ids[i]], contact_id=ids[i], kind=kind, url=url, machine=machine,
                                       occurred_at=T0 + dt.timedelta(hours=hours))

    hit(0, "open", 2)
    hit(0, "click", 3, url=OFFER)
    hit(0, "click", 4, url=OFFER)
    hit(0, "click", 5, url=OTHER)
    hit(0, "click", 6, machine=True, url=OFFER)
    hit(1, "open", 0.1, machine=True)
    hit(2, "open", 0.1, machine=True)
    hit(2, "open", 7)
    Bounce.objects.create(email_id=logs[ids[3]], contact_id=ids[3], kind="soft", address="person3@example.org",
                          received_at=T0 + dt.timedelta(hours=1))
    Bounce.objects.create(email_id=logs[ids[3]], contact_id=ids[3], kind="complaint", address="person3@example.org",
                          received_at=T0 + dt.timedelta(hours=2))
    return known
