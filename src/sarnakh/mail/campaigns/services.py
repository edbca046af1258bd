"""Campaign writes: compose (create, update, delete a draft), schedule (freeze the audience
into one CampaignRecipient row per contact, excluded ones with their reason, and start
the workers), pause, resume, cancel, and a test send.

Scheduling is set-based: the audience's lawful-basis reason comes from one SQL CASE
(mail.subscriptions.selectors.audience_reasons) read in id order, SCHEDULE_BATCH contacts
at a time, and inserted with bulk_create; 100,000 contacts are a few dozen round trips.
Sending itself is sending.py's."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.filters.compile import FilterError, parse_filter
from sarnakh.core.normalize import clean_display_text
from sarnakh.mail.campaigns import reasons, selectors
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.render import TemplateSource
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail, SenderIdentity
from sarnakh.mail.subscriptions import rules
from sarnakh.mail.subscriptions import selectors as subscription_selectors
from sarnakh.segments import selectors as segment_selectors

SCHEDULE_BATCH = 5000  # contacts read and inserted at once when the audience is frozen
MAX_AUDIENCE = 2_000_000  # a bound on the freeze loop (contacts)
FIELDS = ("name", "template_id", "sender_id", "topic", "audience_kind", "segment_id", "audience_filter", "schedule_kind",
          "scheduled_at", "window_start", "window_end", "track_links", "utm_campaign", "conversion_stage", "conversion_days")


def _invalid(fields: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(_("Some fields are not valid."), fields=fields)


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """Every field checked at once; the errors by field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    name = clean_display_text(values["name"] if isinstance(values.get("name"), str) else "")
    if not name:
        errors["name"] = [_("Give the campaign a name.")]
    elif len(name) > 200:
        errors["name"] = [_("At most %(n)s characters.") % {"n": 200}]
    clean["name"] = name
    template_id = values.get("template_id")
    if not isinstance(template_id, int) or content_selectors.template_get(template_id) is None:
        errors["template_id"] = [_("Choose an email template.")]
    clean["template_id"] = template_id
    sender_id = values.get("sender_id")
    if sender_id is not None and (not isinstance(sender_id, int) or not SenderIdentity.objects.filter(pk=sender_id).exists()):
        errors["sender_id"] = [_("No such sender.")]
    clean["sender_id"] = sender_id
    topic = (values.get("topic") or "").strip().lower() if isinstance(values.get("topic") or "", str) else None
    if topic is None or (topic and subscription_selectors.topic_by_key(topic) is None):
        errors["topic"] = [_("No subscription topic %(topic)s.") % {"topic": values.get("topic")}]
    clean["topic"] = topic or ""
    kind = values.get("audience_kind")
    clean["audience_kind"], clean["segment_id"], clean["audience_filter"] = kind, None, {}
    if kind == Campaign.AudienceKind.SEGMENT:
        segment_id = values.get("segment_id")
        if not isinstance(segment_id, int) or segment_selectors.segment_get(segment_id) is None:
            errors["segment_id"] = [_("Choose a segment or list.")]
        clean["segment_id"] = segment_id
    elif kind == Campaign.AudienceKind.FILTER:
        try:
            parse_filter(values.get("audience_filter"))
        except FilterError as error:
            errors["audience_filter"] = [str(error)]
        clean["audience_filter"] = values.get("audience_filter")
    else:
        errors["audience_kind"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Campaign.AudienceKind.values)}]
    schedule = values.get("schedule_kind")
    clean["schedule_kind"], clean["scheduled_at"] = schedule, values.get("scheduled_at")
    if schedule not in Campaign.ScheduleKind.values:
        errors["schedule_kind"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Campaign.ScheduleKind.values)}]
    elif schedule == Campaign.ScheduleKind.NOW:
        clean["scheduled_at"] = None
    elif not isinstance(clean["scheduled_at"], dt.datetime) or clean["scheduled_at"].tzinfo is None:
        errors["scheduled_at"] = [_("Give the date and time to send at.")]
    start, end = values.get("window_start"), values.get("window_end")
    if (start is None) != (end is None):
        errors["window_end" if start is not None else "window_start"] = [_("Give both ends of the send window, or neither.")]
    elif start is not None and (not isinstance(start, dt.time) or not isinstance(end, dt.time) or start == end):
        errors["window_end"] = [_("The window opens and closes at two different times of day.")]
    clean["window_start"], clean["window_end"] = start, end
    clean["track_links"] = bool(values.get("track_links", True))
    utm = values.get("utm_campaign") or ""
    if not isinstance(utm, str) or len(utm.strip()) > 100:
        errors["utm_campaign"] = [_("At most %(n)s characters.") % {"n": 100}]
    clean["utm_campaign"] = utm.strip() if isinstance(utm, str) else ""
    stage = values.get("conversion_stage") or ""
    if not isinstance(stage, str) or len(stage) > 40:
        errors["conversion_stage"] = [_("At most %(n)s characters.") % {"n": 40}]
    clean["conversion_stage"] = stage if isinstance(stage, str) else ""
    days = values.get("conversion_days", 30)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
        errors["conversion_days"] = [_("A number of days from 1 to 365.")]
    clean["conversion_days"] = days
    if errors:
        raise _invalid(errors)
    return clean


def _get(campaign_id: int, *, lock: bool = False) -> Campaign:
    query = Campaign.objects.select_for_update() if lock else Campaign.objects
    try:
        return query.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound(_("No campaign with the id %(id)s.") % {"id": campaign_id}) from None


def campaign_create(
    *, actor: Actor, name: str, template_id: int, sender_id: int | None = None, topic: str = "",
    audience_kind: str = Campaign.AudienceKind.SEGMENT, segment_id: int | None = None, audience_filter: Any = None,
    schedule_kind: str = Campaign.ScheduleKind.NOW, scheduled_at: dt.datetime | None = None,
    window_start: dt.time | None = None, window_end: dt.time | None = None, track_links: bool = True,
    utm_campaign: str = "", conversion_stage: str = "", conversion_days: int = 30,
) -> Campaign:
    """A draft campaign (nothing is frozen or sent until it is scheduled)."""
    values = dict(locals())
    values.pop("actor")
    clean = _clean(values)
    now = clock.now()
    user = getattr(actor, "user", None)
    return Campaign.objects.create(**clean, status=Campaign.Status.DRAFT, created_at=now, updated_at=now,
                                   created_by_id=getattr(user, "pk", None))


@transaction.atomic
def campaign_update(*, actor: Actor, campaign_id: int, **changes: Any) -> Campaign:
    """Changes a draft (a scheduled or sent campaign is frozen: Conflict)."""
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise _invalid({name: [_("Unknown field.")] for name in unknown})
    campaign = _get(campaign_id, lock=True)
    if campaign.status != Campaign.Status.DRAFT:
        raise Conflict(_("Only a draft campaign can be changed."))
    current = {name: getattr(campaign, name) for name in FIELDS}
    clean = _clean({**current, **changes})
    for name, value in clean.items():
        setattr(campaign, name, value)
    campaign.updated_at = clock.now()
    campaign.save()
    return campaign


@transaction.atomic
def campaign_delete(*, actor: Actor, campaign_id: int) -> None:
    campaign = _get(campaign_id, lock=True)
    if campaign.status != Campaign.Status.DRAFT:
        raise Conflict(_("Only a draft campaign can be deleted; cancel a scheduled one."))
    campaign.delete()


# ---------------------------------------------------------------- the audience


def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE or "UTC")


def zone_of(name: str, default: ZoneInfo) -> ZoneInfo:
    """A contact's time zone (contacts.time_zone); the site's when empty or unknown."""
    if not name:
        return default
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return default


def local_start(campaign: Campaign, zone: ZoneInfo, site: ZoneInfo) -> dt.datetime:
    """LOCAL_TIME: the campaign's wall-clock date and time (as set in the site's zone) in `zone`."""
    wall = campaign.scheduled_at.astimezone(site).replace(tzinfo=None)
    return wall.replace(tzinfo=zone).astimezone(dt.UTC)


def _freeze(campaign: Campaign, now: dt.datetime) -> int:
    """Inserts one recipient row per audience contact, in id order, SCHEDULE_BATCH at a
    time; returns how many. Excluded contacts get their reason."""
    site = site_zone()
    start = now if campaign.schedule_kind == Campaign.ScheduleKind.NOW else max(now, campaign.scheduled_at)
    after, total = 0, 0
    for _page in range(MAX_AUDIENCE // SCHEDULE_BATCH):
        ids = selectors.audience_page(campaign, after=after, size=SCHEDULE_BATCH)
        if not ids:
            break
        after = ids[-1]
        page = list(subscription_selectors.audience_reasons(ids, campaign.topic).order_by("pk")
                    .values_list("pk", "email", "why", "time_zone"))
        rows = []
        for contact_id, address, why, zone in page:
            allowed = why in rules.ALLOWED
            not_before = start
            reason = ""
            if allowed and campaign.schedule_kind == Campaign.ScheduleKind.LOCAL_TIME:
                not_before = max(now, local_start(campaign, zone_of(zone, site), site))
                reason = reasons.LOCAL_TIME if not_before > now else ""
            rows.append(CampaignRecipient(
                campaign_id=campaign.pk, contact_id=contact_id, email=(address or "")[:254],
                status=CampaignRecipient.Status.PENDING if allowed else CampaignRecipient.Status.EXCLUDED,
                reason=reason if allowed else why, not_before=not_before if allowed else None,
            ))
        CampaignRecipient.objects.bulk_create(rows, batch_size=1000)
        total += len(rows)
    return total


def campaign_schedule(*, actor: Actor, campaign_id: int) -> Campaign:
    """Freezes the audience (the recipients are fixed from now on, each excluded one with
    its reason) and starts sending now, or at the campaign's time (status scheduled: the
    periodic check starts it). A campaign whose template or sender went away is refused."""
    from sarnakh.mail.campaigns import tasks  # the jobs import this module

    with transaction.atomic():
        campaign = _get(campaign_id, lock=True)
        if campaign.status != Campaign.Status.DRAFT:
            raise Conflict(_("This campaign was already scheduled."))
        _clean({name: getattr(campaign, name) for name in FIELDS})  # still valid (template, segment, topic)
        now = clock.now()
        _freeze(campaign, now)
        due = campaign.schedule_kind == Campaign.ScheduleKind.NOW or (
            CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.PENDING, not_before__lte=now).exists())
        campaign.status = Campaign.Status.SENDING if due else Campaign.Status.SCHEDULED
        campaign.recipients_built_at = now
        campaign.started_at = now if due else None
        campaign.updated_at = now
        campaign.save()
        if due:
            tasks.start_workers(campaign.pk)
    if due:
        from sarnakh.mail.campaigns import sending

        sending.finish_if_done(campaign.pk)  # an audience with nobody to send to is done at once
        campaign.refresh_from_db()
    return campaign


@transaction.atomic
def campaign_pause(*, actor: Actor, campaign_id: int) -> Campaign:
    """Workers stop claiming (a batch already claimed finishes); nothing is lost."""
    campaign = _get(campaign_id, lock=True)
    if campaign.status not in (Campaign.Status.SCHEDULED, Campaign.Status.SENDING):
        raise Conflict(_("Only a scheduled or sending campaign can be paused."))
    campaign.status, campaign.updated_at = Campaign.Status.PAUSED, clock.now()
    campaign.save(update_fields=["status", "updated_at"])
    return campaign


def campaign_resume(*, actor: Actor, campaign_id: int) -> Campaign:
    from sarnakh.mail.campaigns import tasks

    with transaction.atomic():
        campaign = _get(campaign_id, lock=True)
        if campaign.status != Campaign.Status.PAUSED:
            raise Conflict(_("Only a paused campaign can be resumed."))
        now = clock.now()
        due = CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.PENDING,
                                               not_before__lte=now).exists()
        campaign.status = Campaign.Status.SENDING if due or campaign.started_at else Campaign.Status.SCHEDULED
        campaign.started_at = campaign.started_at or (now if due else None)
        campaign.updated_at = now
        campaign.save(update_fields=["status", "started_at", "updated_at"])
        if due:
            tasks.start_workers(campaign.pk)
    return campaign


@transaction.atomic
def campaign_cancel(*, actor: Actor, campaign_id: int) -> Campaign:
    """Every recipient still waiting becomes cancelled (sent ones stay sent; a batch a worker
    holds right now may still go out: those rows keep their outcome)."""
    campaign = _get(campaign_id, lock=True)
    if campaign.status not in (Campaign.Status.SCHEDULED, Campaign.Status.SENDING, Campaign.Status.PAUSED):
        raise Conflict(_("Only a scheduled, sending or paused campaign can be cancelled."))
    now = clock.now()
    CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.PENDING, lease_until__isnull=True).update(
        status=CampaignRecipient.Status.CANCELLED)
    CampaignRecipient.objects.filter(campaign=campaign, status=CampaignRecipient.Status.PENDING, lease_until__lt=now).update(
        status=CampaignRecipient.Status.CANCELLED)
    campaign.status, campaign.finished_at, campaign.updated_at = Campaign.Status.CANCELLED, now, now
    campaign.save(update_fields=["status", "finished_at", "updated_at"])
    return campaign


def campaign_send_test(*, actor: Actor, campaign_id: int, to_address: str, contact_id: int | None = None) -> OutboundEmail:
    """The campaign's message rendered for `contact_id` (default: the first contact), sent
    to `to_address` as a transactional test (each call sends; the subject says TEST)."""
    import uuid

    campaign = _get(campaign_id)
    template = campaign.template
    source = TemplateSource(subject=template.subject, preheader=template.preheader, html=template.html, language=template.language)
    rendered = content_services.render_for(source, contact_id=contact_id)
    sender = campaign.sender or delivery.sender_default()
    return delivery.email_send(to=to_address, subject=f"[TEST] {rendered.subject}", html=rendered.html, text=rendered.text,
                               kind=OutboundEmail.Kind.TRANSACTIONAL, idempotency_key=f"campaign-test:{campaign.pk}:{uuid.uuid4().hex}",
                               sender=sender)
