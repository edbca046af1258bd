"""A campaign's report: what happened to the messages it sent, set-based (a handful of
aggregate queries whatever the campaign's size, never a loop over recipients).

- recipients: the campaign's rows by status, and the deferred ones by reason (frequency
  cap, quiet hours, send window);
- sent: recipients whose message left (sent, or refused for good at the SMTP transaction:
  a hard bounce is a sent message that bounced); delivered: sent minus hard and soft bounces;
- opens and clicks, human and machine, unique human openers and clickers, the click map,
  bounces and complaints: read through the adapters below (other sub-packages own them);
- unsubscribes: recipients who unsubscribed from all marketing, or left the campaign's
  topic, within UNSUBSCRIBE_DAYS after their message was sent;
- conversions: recipients whose lifecycle stage moved to the campaign's conversion stage
  within `conversion_days` after their message was sent (contacts' stage history).

The time series for the charts (opens and clicks, human and machine) come in hourly
buckets for the first 48 hours after the campaign started, then daily.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower

from sarnakh.contacts import selectors as contacts
from sarnakh.mail.bounces.models import Bounce
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions.models import Suppression, TopicOptOut
from sarnakh.mail.tracking import selectors as tracking_selectors

UNSUBSCRIBE_DAYS = 7  # an unsubscribe this soon after a campaign's message is counted for that campaign
HOURLY_HOURS = 48  # the charts' first 48 hours are hourly, then daily
MAX_CHART_DAYS = 60  # daily buckets shown after the hourly ones (bounded)
MAX_CLICK_MAP_ROWS = 200
ENGAGEMENT_KEYS = ("opens_human", "opens_machine", "unique_openers", "clicks_human", "clicks_machine", "unique_clickers")


# ---------------------------------------------------------------- reads of the other sub-packages
# Opens and clicks are mail.tracking's, bounces and complaints mail.bounces'; the report
# reads them only here.


def engagement_counts(email_ids: QuerySet | list[int]) -> dict[str, int]:
    """Opens and clicks of these OutboundEmail ids: every key of ENGAGEMENT_KEYS."""
    f = tracking_selectors.engagement_counts(email_ids)
    return {"opens_human": f["human_opens"], "opens_machine": f["machine_opens"],
            "unique_openers": f["unique_human_openers"], "clicks_human": f["human_clicks"],
            "clicks_machine": f["machine_clicks"], "unique_clickers": f["unique_human_clickers"]}


def click_map(email_ids: QuerySet | list[int]) -> list[tuple[str, int, int, int]]:
    """(url, human clicks, unique human clickers, machine clicks), most clicked first."""
    return [tuple(row) for row in tracking_selectors.click_map(email_ids, limit=MAX_CLICK_MAP_ROWS)]


def engagement_hourly(email_ids: QuerySet | list[int], *, start: dt.datetime,
                      until: dt.datetime) -> list[tuple[dt.datetime, str, bool, int]]:
    """(hour, kind open|click, machine, count): engagement of these emails in [start, until),
    counted per hour (the report rolls the hours up into its buckets)."""
    return tracking_selectors.engagement_by_hour(email_ids, start=start, until=until)


def bounce_counts(email_ids: QuerySet | list[int]) -> dict[str, int]:
    """{"bounced_hard", "bounced_soft", "complaints"} of these OutboundEmail ids: messages,
    each counted once per kind whichever road reported it (the SMTP transaction, a DSN in
    the bounce mailbox, an ESP's webhook). A message that bounced soft and later hard
    counts as hard only."""
    hard_later = Bounce.objects.filter(email_id=OuterRef("pk"), kind=Bounce.Kind.HARD)
    hard_ids = OutboundEmail.objects.filter(pk__in=email_ids).filter(
        Q(status=OutboundEmail.Status.BOUNCED_HARD) | Q(Exists(hard_later))).values("pk")
    hard = hard_ids.count()
    soft = (Bounce.objects.filter(email_id__in=email_ids, kind=Bounce.Kind.SOFT).exclude(email_id__in=hard_ids)
            .values("email_id").distinct().count())
    complaints = Bounce.objects.filter(email_id__in=email_ids, kind=Bounce.Kind.COMPLAINT).values("email_id").distinct().count()
    return {"bounced_hard": hard, "bounced_soft": soft, "complaints": complaints}


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class CampaignReport:
    campaign_id: int
    recipients: int
    by_status: dict[str, int]
    deferred: dict[str, int]  # pending recipients waiting for a reason (frequency_cap, quiet_hours, window…)
    excluded: dict[str, int]  # excluded recipients by reason
    sent: int
    delivered: int
    bounced_hard: int
    bounced_soft: int
    complaints: int
    opens_human: int
    opens_machine: int
    unique_openers: int
    clicks_human: int
    clicks_machine: int
    unique_clickers: int
    unsubscribes: int
    conversions: int
    conversion_stage: str
    conversion_days: int
    click_map: list[dict[str, Any]] = field(default_factory=list)

    def rate(self, count: int) -> float | None:
        """`count` as a share of delivered messages (None before anything was delivered)."""
        return count / self.delivered if self.delivered else None


def recipient_rows(campaign_id: int) -> QuerySet[CampaignRecipient]:
    return CampaignRecipient.objects.filter(campaign_id=campaign_id)


def _sent_recipients(campaign_id: int) -> QuerySet[CampaignRecipient]:
    """Recipients whose message left: sent, or refused for good at the SMTP transaction."""
    return recipient_rows(campaign_id).filter(
        status__in=(CampaignRecipient.Status.SENT, CampaignRecipient.Status.BOUNCED), email_log__isnull=False)


def sent_email_ids(campaign_id: int) -> QuerySet:
    """The OutboundEmail ids of the campaign's messages that left (a subquery)."""
    return _sent_recipients(campaign_id).values("email_log_id")


def recipient_counts(campaign_id: int) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """(recipients by status, pending ones by deferral reason, excluded ones by reason): one GROUP BY."""
    by_status = dict.fromkeys(CampaignRecipient.Status.values, 0)
    deferred: dict[str, int] = {}
    excluded: dict[str, int] = {}
    rows = recipient_rows(campaign_id).order_by().values("status", "reason").annotate(n=Count("pk"))
    for row in rows:
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        if row["status"] == CampaignRecipient.Status.EXCLUDED:
            excluded[row["reason"] or "other"] = excluded.get(row["reason"] or "other", 0) + row["n"]
        elif row["status"] == CampaignRecipient.Status.PENDING and row["reason"]:
            deferred[row["reason"]] = deferred.get(row["reason"], 0) + row["n"]
    return by_status, deferred, excluded


def unsubscribed_condition(campaign: Campaign) -> Q:
    """Over CampaignRecipient rows: unsubscribed from all marketing (a suppression of that
    reason for their address) or opted out of the campaign's topic within UNSUBSCRIBE_DAYS
    after their send (the recipients page filters with it too)."""
    window = dt.timedelta(days=UNSUBSCRIBE_DAYS)
    unsubscribed_all = Suppression.objects.filter(
        address=Lower(OuterRef("email")), reason=Suppression.Reason.UNSUBSCRIBED_ALL,
        created_at__gte=OuterRef("sent_at"), created_at__lt=OuterRef("sent_at") + window)
    condition = Q(Exists(unsubscribed_all))
    if campaign.topic:
        left_topic = TopicOptOut.objects.filter(
            contact_id=OuterRef("contact_id"), topic__key=campaign.topic,
            at__gte=OuterRef("sent_at"), at__lt=OuterRef("sent_at") + window)
        condition |= Q(Exists(left_topic))
    return condition


def unsubscribe_count(campaign: Campaign) -> int:
    """Recipients who unsubscribed within UNSUBSCRIBE_DAYS after their send (unsubscribed_condition)."""
    return _sent_recipients(campaign.pk).filter(unsubscribed_condition(campaign)).count()


def conversion_count(campaign: Campaign) -> int:
    """Recipients whose stage moved to the conversion stage within conversion_days after their send."""
    if not campaign.conversion_stage:
        return 0
    window = dt.timedelta(days=campaign.conversion_days)
    moved = contacts.stage_changes().filter(
        contact_id=OuterRef("contact_id"), to_stage=campaign.conversion_stage,
        changed_at__gte=OuterRef("sent_at"), changed_at__lt=OuterRef("sent_at") + window)
    return _sent_recipients(campaign.pk).filter(Exists(moved)).count()


def campaign_report(campaign: Campaign) -> CampaignReport:
    by_status, deferred, excluded = recipient_counts(campaign.pk)
    email_ids = sent_email_ids(campaign.pk)
    sent = _sent_recipients(campaign.pk).count()
    bounces = bounce_counts(email_ids)
    engagement = {**dict.fromkeys(ENGAGEMENT_KEYS, 0), **engagement_counts(email_ids)}
    clicks = [{"url": url, "clicks": human, "clickers": unique, "machine": machine}
              for url, human, unique, machine in click_map(email_ids)[:MAX_CLICK_MAP_ROWS]]
    return CampaignReport(
        campaign_id=campaign.pk, recipients=sum(by_status.values()), by_status=by_status, deferred=deferred,
        excluded=excluded, sent=sent, delivered=max(sent - bounces["bounced_hard"] - bounces["bounced_soft"], 0),
        bounced_hard=bounces["bounced_hard"], bounced_soft=bounces["bounced_soft"], complaints=bounces["complaints"],
        **{key: engagement[key] for key in ENGAGEMENT_KEYS},
        unsubscribes=unsubscribe_count(campaign), conversions=conversion_count(campaign),
        conversion_stage=campaign.conversion_stage, conversion_days=campaign.conversion_days, click_map=clicks,
    )


def list_figures(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sent, human opens and human clicks of each campaign (the list page: one GROUP BY for
    the sent counts, then the engagement adapter once per campaign of the page, bounded by
    the page's size)."""
    figures = {pk: {"sent": 0, "recipients": 0, "opens": 0, "clicks": 0} for pk in campaign_ids}
    rows = (CampaignRecipient.objects.filter(campaign_id__in=campaign_ids).order_by().values("campaign_id")
            .annotate(recipients=Count("pk"), sent=Count("pk", filter=Q(
                status__in=(CampaignRecipient.Status.SENT, CampaignRecipient.Status.BOUNCED), email_log__isnull=False))))
    for row in rows:
        figures[row["campaign_id"]].update(sent=row["sent"], recipients=row["recipients"])
    for pk, figure in figures.items():
        if figure["sent"]:
            engagement = engagement_counts(sent_email_ids(pk))
            figure.update(opens=engagement.get("opens_human", 0), clicks=engagement.get("clicks_human", 0))
    return figures


# ---------------------------------------------------------------- time series


def _hour(value: dt.datetime) -> dt.datetime:
    return value.replace(minute=0, second=0, microsecond=0)


def bucket_starts(start: dt.datetime, now: dt.datetime) -> list[tuple[dt.datetime, str]]:
    """The chart's buckets from `start` to `now`: (bucket start, "hour" | "day"): hourly for
    the first HOURLY_HOURS, then 24-hour buckets, at most MAX_CHART_DAYS of them."""
    at = _hour(start)
    buckets: list[tuple[dt.datetime, str]] = []
    while at <= now and len(buckets) < HOURLY_HOURS:
        buckets.append((at, "hour"))
        at += dt.timedelta(hours=1)
    while at <= now and len(buckets) < HOURLY_HOURS + MAX_CHART_DAYS:
        buckets.append((at, "day"))
        at += dt.timedelta(days=1)
    return buckets


def engagement_series(campaign: Campaign, *, now: dt.datetime) -> list[dict[str, Any]]:
    """One row per bucket since the campaign started: its start, its size ("hour" or "day"),
    and human and machine opens and clicks in it. Empty before the campaign started."""
    if campaign.started_at is None:
        return []
    buckets = bucket_starts(campaign.started_at, now)
    if not buckets:
        return []
    rows = [{"at": at, "size": size, "opens_human": 0, "opens_machine": 0, "clicks_human": 0, "clicks_machine": 0}
            for at, size in buckets]
    starts = [row["at"] for row in rows]
    until = starts[-1] + (dt.timedelta(hours=1) if rows[-1]["size"] == "hour" else dt.timedelta(days=1))
    for at, kind, machine, count in engagement_hourly(sent_email_ids(campaign.pk), start=starts[0], until=until):
        index = _bucket_index(starts, at)
        if index is None or kind not in ("open", "click"):
            continue
        rows[index][f"{kind}s_{'machine' if machine else 'human'}"] += count
    return rows


def _bucket_index(starts: list[dt.datetime], at: dt.datetime) -> int | None:
    """The bucket holding `at`: the last start at or before it (starts are sorted)."""
    index = bisect.bisect_right(starts, at) - 1
    return index if index >= 0 else None
