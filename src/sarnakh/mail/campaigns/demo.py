"""Campaigns for `sarnakh demo`: a Persian newsletter sent three days ago and an English one
sent twelve days ago (recipients frozen by the engine with their exclusions, then their
messages written as sent — the demo never talks to a mail server — with a few hard bounces
unsubscribes and conversions), a Persian campaign scheduled for three days ahead and an English draft.
Every campaign screen has something to show. Idempotent: nothing is added when any
campaign exists. Called after the templates', segments' and subscriptions' demos."""

from __future__ import annotations

import datetime as dt
import random

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.mail.campaigns import services
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.content import selectors as template_selectors
from sarnakh.mail.content.demo import ENGLISH, PERSIAN, load_email_templates_demo
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions import services as subscription_services
from sarnakh.mail.tracking import demo as tracking_demo
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.segments import selectors as segment_selectors

ACTOR = Actor.system("demo")
MAX_RECIPIENTS = 2000  # per demo campaign (bounded)
BOUNCE_SHARE = 0.03
UNSUBSCRIBES = 3
CONVERSIONS = 4


def _audiences() -> tuple[int | None, int | None]:
    """(the biggest segment, the biggest list) by stored members; None when there is none."""
    rows = [s for s in segment_selectors.segment_list() if s.member_count]
    segments = sorted((s for s in rows if s.kind == "dynamic"), key=lambda s: (-s.member_count, s.pk))
    lists = sorted((s for s in rows if s.kind == "static"), key=lambda s: (-s.member_count, s.pk))
    biggest = segments[0].pk if segments else (lists[0].pk if lists else None)
    return biggest, (lists[0].pk if lists else biggest)


def _write_as_sent(campaign: Campaign, *, started: dt.datetime, rng: random.Random) -> int:
    """The frozen campaign's waiting recipients get a sent message each (a few hard bounces),
    over the first two hours from `started`; the campaign is then sent."""
    sender = campaign.sender or delivery.sender_default()
    pending = list(CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.PENDING)
                   .order_by("contact_id")[:MAX_RECIPIENTS])
    emails, outcomes = [], []
    for row in pending:
        sent_at = started + dt.timedelta(seconds=rng.randint(0, 7200))
        bounced = rng.random() < BOUNCE_SHARE
        emails.append(OutboundEmail(
            idempotency_key=f"campaign:{campaign.pk}:{row.contact_id}", contact_id=row.contact_id, to_address=row.email,
            sender=sender, kind=OutboundEmail.Kind.MARKETING, subject=campaign.template.subject[:998],
            status=OutboundEmail.Status.BOUNCED_HARD if bounced else OutboundEmail.Status.SENT, attempts=1,
            last_error="550 5.1.1 mailbox unavailable" if bounced else "", created_at=sent_at, sent_at=sent_at))
        outcomes.append((row, sent_at, bounced))
    OutboundEmail.objects.bulk_create(emails, batch_size=1000)
    by_key = dict(OutboundEmail.objects.filter(idempotency_key__startswith=f"campaign:{campaign.pk}:")
                  .values_list("idempotency_key", "pk"))
    for row, sent_at, bounced in outcomes:
        row.status = CampaignRecipient.Status.BOUNCED if bounced else CampaignRecipient.Status.SENT
        row.reason = "bounced" if bounced else ""
        row.email_log_id, row.sent_at, row.attempts, row.not_before = by_key[f"campaign:{campaign.pk}:{row.contact_id}"], sent_at, 1, None
    CampaignRecipient.objects.bulk_update([row for row, _at, _b in outcomes],
                                          ["status", "reason", "email_log", "sent_at", "attempts", "not_before"], batch_size=1000)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENT, scheduled_at=started, started_at=started,
                                                   finished_at=started + dt.timedelta(hours=2), recipients_built_at=started)
    record_demo_engagement(campaign, rng=rng)
    return len(outcomes)


def record_demo_engagement(campaign: Campaign, *, rng: random.Random) -> int:
    """Opens and clicks for a demo campaign's sent messages, through mail.tracking's own
    demo (human readers, some through Gmail's proxy; Apple's prefetch and a link scanner as
    machines), seeded from `rng` so each campaign gets its own pattern."""
    email_ids = CampaignRecipient.objects.filter(campaign=campaign, email_log__isnull=False).values("email_log_id")
    before = EmailEngagement.objects.count()
    tracking_demo.load_engagement_demo(email_ids, seed=rng.randint(1, 10_000))
    return EmailEngagement.objects.count() - before


def _sent_campaign(*, name: str, template_name: str, segment_id: int, topic: str, utm: str, stage: str,
                   days_ago: int, rng: random.Random) -> tuple[Campaign, int]:
    template = template_selectors.template_by_name(template_name)
    now = clock.now()
    campaign = services.campaign_create(
        actor=ACTOR, name=name, template_id=template.pk, topic=topic, segment_id=segment_id, schedule_kind="at",
        scheduled_at=now + dt.timedelta(days=30), utm_campaign=utm, conversion_stage=stage, conversion_days=14)
    services.campaign_schedule(actor=ACTOR, campaign_id=campaign.pk)  # frozen: the engine's own exclusions
    started = (now - dt.timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
    sent = _write_as_sent(Campaign.objects.get(pk=campaign.pk), started=started, rng=rng)
    return campaign, sent


def _unsubscribe_some(campaign: Campaign, rng: random.Random) -> int:
    rows = list(CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.SENT)
                .order_by("contact_id").values_list("email", flat=True)[:200])
    chosen = rng.sample(rows, min(UNSUBSCRIBES, len(rows)))
    for address in chosen:
        subscription_services.suppression_add(address=address, reason="unsubscribed_all", source="Demo data", actor=ACTOR)
    return len(chosen)


def _convert_some(campaign: Campaign, rng: random.Random) -> int:
    """A few of the campaign's recipients still leads move to its conversion stage now (within
    its window), as the newsletter's readers would: the report has conversions to show."""
    sent = set(CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.SENT)
               .values_list("contact_id", flat=True)[:MAX_RECIPIENTS])
    leads = sorted(pk for pk in contacts.live_contacts().filter(stage_id="lead", pk__in=sent).values_list("pk", flat=True))
    chosen = rng.sample(leads, min(CONVERSIONS, len(leads)))
    for pk in chosen:
        contact_services.contact_change_stage(contact_id=pk, stage_key=campaign.conversion_stage,
                                              reason="Demo: replied to the newsletter", actor=ACTOR)
    return len(chosen)


def load_campaigns_demo(seed: int = 1403) -> str:
    if Campaign.objects.exists():
        return "Campaigns demo skipped: campaigns exist."
    load_email_templates_demo()
    segment_id, list_id = _audiences()
    if segment_id is None:
        return "Campaigns demo skipped: no segment or list with members."
    rng = random.Random(seed + 141)
    persian, persian_sent = _sent_campaign(
        name="خبرنامه آذر", template_name=PERSIAN["name"], segment_id=segment_id, topic="newsletter",
        utm="azar-newsletter", stage="mql", days_ago=3, rng=rng)
    unsubscribed = _unsubscribe_some(persian, rng)
    converted = _convert_some(persian, rng)
    _english, english_sent = _sent_campaign(
        name="Welcome series: first week", template_name=ENGLISH["name"], segment_id=list_id, topic="",
        utm="welcome-week-1", stage="sql", days_ago=12, rng=rng)
    now = clock.now()
    scheduled = services.campaign_create(
        actor=ACTOR, name="خبرنامه دی", template_id=template_selectors.template_by_name(PERSIAN["name"]).pk,
        topic="newsletter", segment_id=segment_id, schedule_kind="at",
        scheduled_at=(now + dt.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0),
        window_start=dt.time(9), window_end=dt.time(18), utm_campaign="dey-newsletter", conversion_stage="mql")
    services.campaign_schedule(actor=ACTOR, campaign_id=scheduled.pk)
    services.campaign_create(actor=ACTOR, name="Product update (draft)",
                             template_id=template_selectors.template_by_name(ENGLISH["name"]).pk, segment_id=list_id,
                             utm_campaign="product-update")
    return (f"Campaigns demo: 2 sent ({persian_sent} and {english_sent} messages, {unsubscribed} unsubscribes, "
            f"{converted} conversions), "
            "1 scheduled, 1 draft.")
