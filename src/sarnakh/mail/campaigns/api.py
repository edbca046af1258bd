"""/api/v1/campaigns: broadcast campaigns — compose (create, change, delete a draft), review
(who gets it and who is left out, by reason), schedule or send, pause, resume, cancel, live
progress, the report (with the click map and the opens/clicks time series), who opened and
clicked (recipient by recipient, keyset-paged) and a test send."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import AwareDatetime, ConfigDict

from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema, Offset
from sarnakh.core.errors import NotFound
from sarnakh.mail.campaigns import reasons, recipients, report, selectors, services

router = Router(tags=["campaigns"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
PageLimit = Annotated[int, Field(ge=1, le=200)]
# JSON has no date type: a moment is an ISO 8601 string with its UTC offset, a time of day "HH:MM".
Moment = Annotated[AwareDatetime, Field(strict=False)]
TimeOfDay = Annotated[dt.time, Field(strict=False)]
ConversionDays = Annotated[int, Field(ge=1, le=365)]
Status_ = Literal["draft", "scheduled", "sending", "paused", "cancelled", "sent"]

AUDIENCE_HELP = ("`segment`: the members of `segment_id` (a segment or a static list) when it is scheduled; `filter`: "
                 "the contacts `audience_filter` (the filter language's JSON tree, docs/segments.md) matches then.")
SCHEDULE_HELP = ("`now`: sending starts when scheduled; `at`: at `scheduled_at`; `local_time`: at `scheduled_at`'s "
                 "wall-clock time in each recipient's time zone (the site's for contacts without one).")


class CampaignIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(..., description="A label for people (1–200 characters).")
    template_id: DbId = Field(..., description="The email template to send.")
    sender_id: DbId | None = Field(None, description="The sender identity; none: the default sender at send time.")
    topic: str = Field("", description="A subscription topic's key: its opted-out contacts are left out. Empty: none.")
    audience_kind: Literal["segment", "filter"] = Field("segment", description=AUDIENCE_HELP)
    segment_id: DbId | None = Field(None, description="For `segment`: the segment or list.")
    audience_filter: dict[str, Any] | None = Field(None, description="For `filter`: the filter tree.")
    schedule_kind: Literal["now", "at", "local_time"] = Field("now", description=SCHEDULE_HELP)
    scheduled_at: Moment | None = Field(None, description="For `at` and `local_time`, with its UTC offset.")
    window_start: TimeOfDay | None = Field(None, description="Optional daily send window's opening (HH:MM, recipient's local time).")
    window_end: TimeOfDay | None = Field(None, description="The window's close (give both or neither).")
    track_links: bool = Field(True, description="Track opens and clicks.")
    utm_campaign: str = Field("", description="`utm_campaign` added to the message's links; empty: none.")
    conversion_stage: str = Field("", description="A lifecycle stage's key the report counts conversions to; empty: none.")
    conversion_days: ConversionDays = Field(30, description="Conversions within this many days of each recipient's message.")


class CampaignPatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    template_id: DbId | None = None
    sender_id: DbId | None = None
    topic: str | None = None
    audience_kind: Literal["segment", "filter"] | None = None
    segment_id: DbId | None = None
    audience_filter: dict[str, Any] | None = None
    schedule_kind: Literal["now", "at", "local_time"] | None = None
    scheduled_at: Moment | None = None
    window_start: TimeOfDay | None = None
    window_end: TimeOfDay | None = None
    track_links: bool | None = None
    utm_campaign: str | None = None
    conversion_stage: str | None = None
    conversion_days: ConversionDays | None = None


class CampaignOut(Schema):
    id: int
    name: str
    status: Status_
    template_id: int
    sender_id: int | None
    topic: str
    audience_kind: str
    segment_id: int | None
    audience_filter: dict[str, Any]
    schedule_kind: str
    scheduled_at: dt.datetime | None
    window_start: dt.time | None
    window_end: dt.time | None
    track_links: bool
    utm_campaign: str
    conversion_stage: str
    conversion_days: int
    recipients_built_at: dt.datetime | None = Field(..., description="When the audience was frozen (scheduled).")
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class CampaignReasonCount(Schema):
    reason: str = Field(..., description="The key (e.g. `unsubscribed_all`, `no_consent`, `frequency_cap`).")
    label: str = Field(..., description="The key as people read it, in the request's language.")
    count: int


class CampaignSampleOut(Schema):
    contact_id: int
    email: str


class CampaignReviewOut(Schema):
    total: int = Field(..., description="Contacts in the audience.")
    sendable: int = Field(..., description="Who would get it (or got it, once frozen).")
    excluded: list[CampaignReasonCount] = Field(..., description="Who is left out, by reason.")
    deferred: list[CampaignReasonCount] = Field(..., description="Who would wait (not dropped), by reason: the frequency cap.")
    sample: list[CampaignSampleOut]
    frozen: bool = Field(..., description="True once scheduled: the figures come from the frozen recipients.")


class CampaignProgressOut(Schema):
    status: Status_
    total: int
    pending: int
    deferred: int = Field(..., description="Pending recipients put back at least once (frequency cap, quiet hours, window, retry).")
    sent: int
    excluded: int
    failed: int
    bounced: int
    cancelled: int
    deferred_by_reason: list[CampaignReasonCount]


class CampaignClickOut(Schema):
    url: str
    clicks: int = Field(..., description="Human clicks.")
    clickers: int = Field(..., description="Unique human clickers.")
    machine_clicks: int


class CampaignBucketOut(Schema):
    at: dt.datetime = Field(..., description="The bucket's start.")
    size: Literal["hour", "day"]
    opens_human: int
    opens_machine: int
    clicks_human: int
    clicks_machine: int


class CampaignReportOut(Schema):
    campaign_id: int
    recipients: int
    sent: int
    delivered: int = Field(..., description="Sent minus hard and soft bounces.")
    bounced_hard: int
    bounced_soft: int
    complaints: int
    opens_human: int
    opens_machine: int = Field(..., description="Opens by privacy proxies and scanners: kept out of the human figures.")
    unique_openers: int = Field(..., description="Recipients with a human open.")
    clicks_human: int
    clicks_machine: int
    unique_clickers: int
    unsubscribes: int = Field(..., description="Recipients who unsubscribed (all, or the campaign's topic) within 7 days of their message.")
    conversions: int = Field(..., description="Recipients who reached `conversion_stage` within `conversion_days` of their message.")
    conversion_stage: str
    conversion_days: int
    deferred: list[CampaignReasonCount] = Field(..., description="Recipients still waiting, by reason.")
    excluded: list[CampaignReasonCount]
    click_map: list[CampaignClickOut] = Field(..., description="Links by human clicks, most clicked first.")
    series: list[CampaignBucketOut] = Field(..., description="Opens and clicks over time: hourly for 48 hours, then daily.")


Show = Literal["all", "opened", "machine_only", "clicked", "not_opened", "bounced", "unsubscribed"]
SHOW_HELP = ("`all`; `opened`: a person opened it (a human open or click); `machine_only`: only machines (privacy "
             "proxies, scanners) opened or clicked it; `clicked`: a person clicked a link (`url`: that link); `not_opened`: "
             "the message left and no person opened it; `bounced`: hard or soft; `unsubscribed`: within 7 days of the message.")


class CampaignRecipientEngagementOut(Schema):
    recipient_id: int
    contact_id: int
    email: str
    status: str = Field(..., description="pending, sent, excluded, failed, bounced or cancelled.")
    sent_at: dt.datetime | None
    first_open_at: dt.datetime | None = Field(..., description="The first human open or click; null: no person opened it.")
    opens_human: int
    opens_machine: int = Field(..., description="Opens by privacy proxies and scanners: not a person.")
    clicks_human: int
    last_click_url: str = Field(..., description="The last link a person clicked; empty: none.")
    bounce: Literal["hard", "soft", ""]
    complained: bool
    unsubscribed: bool


class CampaignRecipientsPageOut(Schema):
    rows: list[CampaignRecipientEngagementOut]
    next_after: int | None = Field(..., description="Pass as `after` for the next page; null: this was the last.")


class CampaignTestIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    to_address: str = Field(..., description="Where to send the test (the subject says TEST).")
    contact_id: DbId | None = Field(None, description="Render as this contact; none: the first contact.")


class CampaignTestOut(Schema):
    email_id: int
    status: str
    to_address: str


def _out(campaign) -> dict:
    return {name: getattr(campaign, name) for name in CampaignOut.model_fields}


def _get(campaign_id: int):
    campaign = selectors.campaign_get(campaign_id)
    if campaign is None:
        raise NotFound(_("No campaign with the id %(id)s.") % {"id": campaign_id})
    return campaign


def _reasons(counts: dict[str, int]) -> list[dict]:
    return [{"reason": key, "label": reasons.label(key), "count": count}
            for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])) if count]


def _actor(request) -> Actor:
    return Actor.for_api_key(request.auth)


@router.get("", response={200: list[CampaignOut], **ERRORS}, summary="List campaigns", description="Newest first.")
def list_campaigns(request, status: Status_ | None = None, offset: Offset = 0, limit: PageLimit = 50):
    return [_out(c) for c in selectors.campaign_list(status=status or "")[offset:offset + limit]]


@router.post("", auth=write_auth, response={201: CampaignOut, **ERRORS}, summary="Compose a campaign",
             description="A draft: nothing is frozen or sent until it is scheduled.")
def create_campaign(request, payload: CampaignIn):
    return Status(201, _out(services.campaign_create(actor=_actor(request), **payload.model_dump())))


@router.get("/{int:campaign_id}", response={200: CampaignOut, **ERRORS}, summary="One campaign")
def get_campaign(request, campaign_id: DbId):
    return _out(_get(campaign_id))


@router.patch("/{int:campaign_id}", auth=write_auth, response={200: CampaignOut, **ERRORS}, summary="Change a draft campaign",
              description="Only the fields sent change; a campaign already scheduled answers 409.")
def update_campaign(request, campaign_id: DbId, payload: CampaignPatch):
    return _out(services.campaign_update(actor=_actor(request), campaign_id=campaign_id, **payload.model_dump(exclude_unset=True)))


@router.delete("/{int:campaign_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a draft campaign")
def delete_campaign(request, campaign_id: DbId):
    services.campaign_delete(actor=_actor(request), campaign_id=campaign_id)
    return HttpResponse(status=204)


@router.get("/{int:campaign_id}/review", response={200: CampaignReviewOut, **ERRORS}, summary="Review a campaign's audience",
            description="Before scheduling: the audience as it is now; after: the frozen recipients.")
def review_campaign(request, campaign_id: DbId):
    review = selectors.campaign_review(_get(campaign_id).pk)
    return {"total": review.total, "sendable": review.sendable, "excluded": _reasons(review.excluded),
            "deferred": _reasons(review.deferred_now), "frozen": review.frozen,
            "sample": [{"contact_id": pk, "email": email} for pk, email in review.sample]}


@router.post("/{int:campaign_id}/schedule", auth=write_auth, response={200: CampaignOut, **ERRORS},
             summary="Schedule or send a campaign",
             description="Freezes the audience; sends now (status `sending`) or at the campaign's time (`scheduled`).")
def schedule_campaign(request, campaign_id: DbId):
    return _out(services.campaign_schedule(actor=_actor(request), campaign_id=campaign_id))


@router.post("/{int:campaign_id}/pause", auth=write_auth, response={200: CampaignOut, **ERRORS}, summary="Pause a campaign")
def pause_campaign(request, campaign_id: DbId):
    return _out(services.campaign_pause(actor=_actor(request), campaign_id=campaign_id))


@router.post("/{int:campaign_id}/resume", auth=write_auth, response={200: CampaignOut, **ERRORS}, summary="Resume a campaign")
def resume_campaign(request, campaign_id: DbId):
    return _out(services.campaign_resume(actor=_actor(request), campaign_id=campaign_id))


@router.post("/{int:campaign_id}/cancel", auth=write_auth, response={200: CampaignOut, **ERRORS}, summary="Cancel a campaign",
             description="Recipients not sent yet will not get it.")
def cancel_campaign(request, campaign_id: DbId):
    return _out(services.campaign_cancel(actor=_actor(request), campaign_id=campaign_id))


@router.get("/{int:campaign_id}/progress", response={200: CampaignProgressOut, **ERRORS}, summary="A campaign's progress")
def campaign_progress(request, campaign_id: DbId):
    campaign = _get(campaign_id)
    progress = selectors.campaign_progress(campaign.pk)
    return {**{key: progress.get(key, 0) for key in ("total", "pending", "deferred", "sent", "excluded", "failed", "bounced", "cancelled")},
            "status": campaign.status, "deferred_by_reason": _reasons(selectors.deferred_by_reason(campaign.pk))}


@router.get("/{int:campaign_id}/report", response={200: CampaignReportOut, **ERRORS}, summary="A campaign's report")
def campaign_report(request, campaign_id: DbId):
    campaign = _get(campaign_id)
    figures = report.campaign_report(campaign)
    out = {name: getattr(figures, name) for name in CampaignReportOut.model_fields
           if name not in ("deferred", "excluded", "click_map", "series")}
    return {**out, "deferred": _reasons(figures.deferred), "excluded": _reasons(figures.excluded),
            "click_map": [{"url": row["url"], "clicks": row["clicks"], "clickers": row["clickers"], "machine_clicks": row["machine"]}
                          for row in figures.click_map],
            "series": report.engagement_series(campaign, now=clock.now())}


@router.get("/{int:campaign_id}/recipients", response={200: CampaignRecipientsPageOut, **ERRORS},
            summary="Who opened and clicked", description="The campaign's recipients with their opens (human and machine), "
            "clicks, bounce, complaint and unsubscribe, by recipient id. " + SHOW_HELP)
def campaign_recipients(request, campaign_id: DbId, show: Show = "all", url: Annotated[str, Field(max_length=2000)] = "",
                        after: DbId | None = None, limit: PageLimit = 50):
    page = recipients.recipient_engagement(_get(campaign_id), show=show, url=url if show == "clicked" else "",
                                           after_id=after, limit=limit)
    return {"rows": [{name: getattr(row, name) for name in CampaignRecipientEngagementOut.model_fields} for row in page.rows],
            "next_after": page.next_after}


@router.post("/{int:campaign_id}/test-send", auth=write_auth, response={200: CampaignTestOut, **ERRORS},
             summary="Send a campaign's message as a test",
             description="Rendered for a contact, sent as a transactional test to `to_address` (each call sends).")
def test_send_campaign(request, campaign_id: DbId, payload: CampaignTestIn):
    email = services.campaign_send_test(actor=_actor(request), campaign_id=_get(campaign_id).pk,
                                        to_address=payload.to_address, contact_id=payload.contact_id)
    return {"email_id": email.pk, "status": email.status, "to_address": email.to_address}
