"""Campaign reads: the list, one campaign, its review (who would get it and who not, by
reason) and its progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum

from sarnakh.core import clock
from sarnakh.core.filters.compile import matching_contacts
from sarnakh.mail.campaigns import reasons
from sarnakh.mail.campaigns.limits import limits
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.subscriptions import rules
from sarnakh.mail.subscriptions import selectors as subscription_selectors
from sarnakh.segments import selectors as segment_selectors

SAMPLE = 10


@dataclass
class CampaignReview:
    """`total`: the audience; `sendable`: who would get it (or got it); `excluded`: reason →
    how many are left out; `deferred_now`: reason → how many would wait if sent now (the
    frequency cap); `sample`: (contact id, email) of a few who would get it."""

    total: int
    sendable: int
    excluded: dict[str, int] = field(default_factory=dict)
    deferred_now: dict[str, int] = field(default_factory=dict)
    sample: list[tuple[int, str]] = field(default_factory=list)
    frozen: bool = False  # computed from the recipient rows (after scheduling)


def campaign_list(*, status: str = "") -> QuerySet[Campaign]:
    qs = Campaign.objects.select_related("template", "sender").order_by("-id")
    return qs.filter(status=status) if status else qs


def campaign_get(campaign_id: int) -> Campaign | None:
    return Campaign.objects.select_related("template", "sender").filter(pk=campaign_id).first()


def audience_ids(campaign: Campaign) -> QuerySet:
    """The campaign's audience as a queryset of contact ids (a segment's or list's stored
    members, or the contacts its filter matches now)."""
    if campaign.audience_kind == Campaign.AudienceKind.SEGMENT:
        return segment_selectors.member_ids(campaign.segment_id)
    return matching_contacts(campaign.audience_filter).values("pk")


def audience_page(campaign: Campaign, *, after: int, size: int) -> list[int]:
    """The next `size` audience contact ids above `after`, in order (the freeze pages with it:
    plain id lists keep PostgreSQL's plans simple even before it has statistics on
    just-imported rows)."""
    if campaign.audience_kind == Campaign.AudienceKind.SEGMENT:
        return list(segment_selectors.member_ids(campaign.segment_id).filter(contact_id__gt=after)[:size])
    return list(matching_contacts(campaign.audience_filter).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size])


def capped_ids(contact_ids, now: dt.datetime | None = None):
    """Of these contacts (a queryset of ids or a list), those who had the frequency cap's
    number of marketing emails in its period: a queryset of contact ids."""
    cap = limits()
    now = now or clock.now()
    if not cap.cap_count or not cap.cap_days:
        return OutboundEmail.objects.none().values("contact_id")
    return (OutboundEmail.objects.filter(contact_id__in=contact_ids, kind=OutboundEmail.Kind.MARKETING,
                                         status=OutboundEmail.Status.SENT, sent_at__gte=now - dt.timedelta(days=cap.cap_days))
            .order_by().values("contact_id").annotate(n=Count("pk")).filter(n__gte=cap.cap_count).values("contact_id"))


def campaign_review(campaign_id: int) -> CampaignReview | None:
    """Before scheduling: the audience as it is now (one GROUP BY over the lawful-basis
    reasons, one for the frequency cap); after: the frozen recipient rows."""
    campaign = campaign_get(campaign_id)
    if campaign is None:
        return None
    if campaign.recipients_built_at is not None:
        return _frozen_review(campaign)
    ids = audience_ids(campaign)
    counts = subscription_selectors.exclusion_counts(ids, campaign.topic)
    sendable = sum(counts[r] for r in rules.ALLOWED)
    excluded = {r: counts[r] for r in rules.REFUSALS if counts[r]}
    allowed = subscription_selectors.marketing_allowed_ids(ids, campaign.topic)
    deferred = {}
    if sendable:
        capped = capped_ids(allowed)
        n = capped.count()
        if n:
            deferred[reasons.FREQUENCY_CAP] = n
    sample = list(subscription_selectors.audience_reasons(ids, campaign.topic).filter(why__in=rules.ALLOWED)
                  .order_by("pk").values_list("pk", "email")[:SAMPLE])
    return CampaignReview(total=sendable + sum(excluded.values()), sendable=sendable, excluded=excluded,
                          deferred_now=deferred, sample=sample)


def _frozen_review(campaign: Campaign) -> CampaignReview:
    rows = CampaignRecipient.objects.filter(campaign=campaign).order_by()
    excluded: dict[str, int] = {}
    deferred: dict[str, int] = {}
    total = sendable = 0
    for row in rows.values("status", "reason").annotate(n=Count("pk")):
        total += row["n"]
        if row["status"] == CampaignRecipient.Status.EXCLUDED:
            excluded[row["reason"]] = excluded.get(row["reason"], 0) + row["n"]
            continue
        sendable += row["n"]
        if row["status"] == CampaignRecipient.Status.PENDING and row["reason"] in reasons.DEFERRED:
            deferred[row["reason"]] = deferred.get(row["reason"], 0) + row["n"]
    sample = list(rows.exclude(status=CampaignRecipient.Status.EXCLUDED).order_by("contact_id")
                  .values_list("contact_id", "email")[:SAMPLE])
    return CampaignReview(total=total, sendable=sendable, excluded=excluded, deferred_now=deferred, sample=sample, frozen=True)


def campaign_progress(campaign_id: int) -> dict[str, int]:
    """How many recipients are in each state: total, pending (waiting, due or not),
    deferred (pending and put back at least once: frequency cap, quiet hours, window,
    retry), sent, excluded, failed, bounced, cancelled; `deferrals` sums the put-backs."""
    out = dict.fromkeys(("total", "pending", "deferred", "sent", "excluded", "failed", "bounced", "cancelled", "deferrals"), 0)
    rows = (CampaignRecipient.objects.filter(campaign_id=campaign_id).order_by().values("status")
            .annotate(n=Count("pk"), deferred=Count("pk", filter=Q(deferrals__gt=0)), deferrals=Sum("deferrals")))
    for row in rows:
        out[row["status"]] = out.get(row["status"], 0) + row["n"]
        out["total"] += row["n"]
        out["deferrals"] += row["deferrals"] or 0
        if row["status"] == CampaignRecipient.Status.PENDING:
            out["deferred"] = row["deferred"]
    return out


def deferred_by_reason(campaign_id: int) -> dict[str, int]:
    """Recipients waiting right now, by why they wait (frequency cap, quiet hours…)."""
    rows = (CampaignRecipient.objects.filter(campaign_id=campaign_id, status=CampaignRecipient.Status.PENDING)
            .exclude(reason="").order_by().values("reason").annotate(n=Count("pk")))
    return {row["reason"]: row["n"] for row in rows}


def recipients(campaign_id: int, *, status: str = "") -> QuerySet[CampaignRecipient]:
    qs = CampaignRecipient.objects.filter(campaign_id=campaign_id).order_by("contact_id")
    return qs.filter(status=status) if status else qs
