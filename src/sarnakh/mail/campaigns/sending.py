"""The campaign workers: any number of processes (django-tasks jobs, or `sarnakh mail
send-campaign ID --workers N`) claim the campaign's due recipients in batches and send each
one its personalised message exactly once.

A worker's round:
1. claim up to `batch` pending recipients whose `not_before` has come and whose lease is
   free (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED; SQLite: an exclusive transaction, as
   core.jobs claims jobs), setting a lease: a killed worker's rows come back when it ends;
2. read the batch's personalisation values and time zones in two queries, and the
   frequency cap in a third;
3. per recipient: defer it (frequency cap, quiet hours in its time zone, the campaign's
   send window, its domain's rate) or render the template (compiled once, language.py's
   cache) and send it with `email_send` under `campaign:<campaign>:<contact>` on one SMTP
   connection for the batch; the gate's refusal at send time excludes it with the reason;
4. record the outcomes of the batch in one transaction.
The worker stops when the campaign is paused or cancelled (the batch in hand finishes),
when nothing is due, or at its time budget. Every loop is bounded."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Exists, F, Min, OuterRef, Q
from django.utils.text import slugify
from django_tasks_db.utils import exclusive_transaction

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core import clock
from sarnakh.core.errors import ValidationFailed
from sarnakh.mail.campaigns import reasons
from sarnakh.mail.campaigns.limits import Limits, limits
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.campaigns.services import site_zone, zone_of
from sarnakh.mail.content.render import TemplateLimit, TemplateSource, render_email
from sarnakh.mail.delivery import services as delivery
from sarnakh.mail.delivery.models import OutboundEmail

logger = logging.getLogger("sarnakh.mail.campaigns")

MAX_ROUNDS = 1_000_000  # batches one worker takes at most in one run
MAX_SHIFTS = 6  # quiet hours and the send window looked at alternately this often
IDLE_SLEEP = 1.0  # seconds a waiting worker sleeps between looks
GC_EVERY = 10  # batches between full garbage collections
R = CampaignRecipient.Status


@dataclass
class WorkerResult:
    sent: int = 0
    excluded: int = 0
    bounced: int = 0
    failed: int = 0
    deferred: int = 0
    batches: int = 0
    more_due: bool = False  # due recipients remain (the worker stopped at its time budget)
    by_reason: dict[str, int] = field(default_factory=lambda: defaultdict(int))


class Bucket:
    """A token bucket: `rate` per second, bursts up to one second's worth (0: unlimited)."""

    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = max(rate, 1.0)
        self.at = time.monotonic()

    def wait(self) -> float:
        """Seconds until a token is free (0: take it now, and it is taken)."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        self.tokens = min(max(self.rate, 1.0), self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


# ---------------------------------------------------------------- time of day


def _next_local(moment: dt.datetime, zone: ZoneInfo, at: dt.time) -> dt.datetime:
    """The first moment after `moment` when the wall clock in `zone` shows `at`."""
    local = moment.astimezone(zone)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate = (candidate.replace(tzinfo=None) + dt.timedelta(days=1)).replace(tzinfo=zone)
    return candidate.astimezone(dt.UTC)


def _inside(t: dt.time, start: dt.time, end: dt.time) -> bool:
    """Whether a time of day lies in [start, end) (a span over midnight when start > end)."""
    return start <= t < end if start < end else (t >= start or t < end)


def next_allowed(moment: dt.datetime, zone: ZoneInfo, *, quiet: tuple[dt.time, dt.time] | None,
                 window: tuple[dt.time, dt.time] | None) -> tuple[dt.datetime, str]:
    """The first moment from `moment` outside the quiet hours and inside the send window
    (both in the contact's time zone), and why it waits ("" when it can go now). A window
    that lies wholly inside the quiet hours wins (the campaign asked for it)."""
    at, why = moment, ""
    for _round in range(MAX_SHIFTS):
        local = at.astimezone(zone).time()
        if quiet and _inside(local, *quiet):
            at, why = _next_local(at, zone, quiet[1]), why or reasons.QUIET_HOURS
            continue
        if window and not _inside(local, *window):
            at, why = _next_local(at, zone, window[0]), why or reasons.WINDOW
            continue
        return at, why
    if window:
        local = moment.astimezone(zone).time()
        return (moment, "") if _inside(local, *window) else (_next_local(moment, zone, window[0]), reasons.WINDOW)
    return at, why


# ---------------------------------------------------------------- claiming


def claim(campaign_id: int, *, size: int, lease: dt.timedelta, now: dt.datetime | None = None) -> list[CampaignRecipient]:
    """Up to `size` due recipients nobody holds, leased to the caller until now + lease."""
    now = now or clock.now()
    due = (CampaignRecipient.objects.filter(campaign_id=campaign_id, status=R.PENDING, not_before__lte=now)
           .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).order_by("not_before", "id"))
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True, of=("self",)).values_list("id", flat=True)[:size])
            if ids:
                CampaignRecipient.objects.filter(id__in=ids).update(lease_until=now + lease, attempts=F("attempts") + 1)
    else:
        with exclusive_transaction(due.db):
            ids = list(due.values_list("id", flat=True)[:size])
            if ids:
                CampaignRecipient.objects.filter(id__in=ids).update(lease_until=now + lease, attempts=F("attempts") + 1)
    return list(CampaignRecipient.objects.filter(id__in=ids).order_by("id")) if ids else []


# ---------------------------------------------------------------- a batch


@dataclass
class _Context:
    campaign: Campaign
    source: TemplateSource
    sender: object
    limits: Limits
    site: ZoneInfo
    rate: Bucket
    domains: dict[str, Bucket]
    share: int
    utm: dict[str, str]


def utm_of(campaign: Campaign) -> dict[str, str]:
    """The campaign's links carry utm_source=sarnakh, utm_medium=email and utm_campaign: its
    UTM campaign, else a slug of its name (tracking adds them to links that have none)."""
    return {"campaign": campaign.utm_campaign or slugify(campaign.name, allow_unicode=True)[:100] or f"campaign-{campaign.pk}"}


def _cap_free_at(contact_ids: list[int], cap: Limits, now: dt.datetime) -> dict[int, dt.datetime]:
    """Contacts at the frequency cap now → when they may get marketing mail again."""
    if not cap.cap_count or not cap.cap_days or not contact_ids:
        return {}
    period = dt.timedelta(days=cap.cap_days)
    sent: dict[int, list[dt.datetime]] = defaultdict(list)
    rows = OutboundEmail.objects.filter(contact_id__in=contact_ids, kind=OutboundEmail.Kind.MARKETING,
                                        status=OutboundEmail.Status.SENT, sent_at__gte=now - period)
    for contact_id, sent_at in rows.values_list("contact_id", "sent_at")[: len(contact_ids) * (cap.cap_count + 10)]:
        sent[contact_id].append(sent_at)
    out = {}
    for contact_id, moments in sent.items():
        if len(moments) >= cap.cap_count:
            moments.sort(reverse=True)
            out[contact_id] = moments[cap.cap_count - 1] + period
    return out


def _defer(row: CampaignRecipient, until: dt.datetime, why: str, *, count_attempt: bool = False) -> None:
    row.status, row.not_before, row.reason, row.lease_until = R.PENDING, until, why, None
    row.deferrals += 1
    if not count_attempt:
        row.attempts = max(0, row.attempts - 1)  # a deferral is not a try


def _send_one(ctx: _Context, row: CampaignRecipient, values: dict, transport, now: dt.datetime, result: WorkerResult) -> None:
    campaign = ctx.campaign
    try:
        rendered = render_email(ctx.source, {**values, "data": {}})
    except TemplateLimit as exc:
        row.status, row.reason, row.lease_until = R.EXCLUDED, reasons.RENDER_ERROR, None
        logger.warning("campaign %s: contact %s: %s", campaign.pk, row.contact_id, exc)
        return
    contact = values.get("contact") or {}
    name = " ".join(p for p in (contact.get("first_name"), contact.get("last_name")) if p)
    row.email = (contact.get("email") or "")[:254]  # the address as it is now (it may have changed since the freeze)
    if not row.email:
        row.status, row.reason, row.lease_until = R.EXCLUDED, reasons.NO_ADDRESS, None
        return
    try:
        sent = delivery.email_send(
            to=row.email, subject=rendered.subject, html=rendered.html, text=rendered.text,
            kind=OutboundEmail.Kind.MARKETING, idempotency_key=f"campaign:{campaign.pk}:{row.contact_id}",
            sender=ctx.sender, contact_id=row.contact_id, to_name=name, transport=transport, topic=campaign.topic,
            track=campaign.track_links, utm=ctx.utm,
        )
    except delivery.SendRefused as refused:
        row.status, row.reason, row.lease_until = R.EXCLUDED, refused.reason, None
        return
    except ValidationFailed as exc:  # an address the mail cannot go to (normalisation refused it)
        row.status, row.reason, row.lease_until = R.EXCLUDED, reasons.INVALID, None
        logger.info("campaign %s: contact %s not sent: %s", campaign.pk, row.contact_id, exc.fields or exc.message)
        return
    row.email_log_id = sent.pk
    if sent.status == OutboundEmail.Status.SENT:
        row.status, row.sent_at, row.lease_until = R.SENT, sent.sent_at or now, None
        row.reason = ""
    elif sent.status == OutboundEmail.Status.BOUNCED_HARD:
        row.status, row.reason, row.lease_until = R.BOUNCED, reasons.BOUNCED, None
    elif sent.status == OutboundEmail.Status.QUEUED:
        # Another sender holds this message's claim (a worker that died mid-send): try
        # again when its lease ends; email_send then sends it, or finds it sent.
        _defer(row, max(now, sent.lease_until or now) + dt.timedelta(seconds=1), reasons.RETRY)
    elif row.attempts >= ctx.limits.max_attempts:
        row.status, row.reason, row.lease_until = R.FAILED, reasons.FAILED, None
    else:
        backoff = ctx.limits.backoff * (2 ** max(0, row.attempts - 1))
        _defer(row, now + backoff, reasons.RETRY, count_attempt=True)


def _batch(ctx: _Context, rows: list[CampaignRecipient], result: WorkerResult) -> None:
    now = clock.now()
    ids = [row.contact_id for row in rows]
    values = contact_selectors.merge_fields_many(ids)
    zones = contact_selectors.time_zones(ids)
    capped = _cap_free_at(ids, ctx.limits, now)
    campaign = ctx.campaign
    quiet = (ctx.limits.quiet_start, ctx.limits.quiet_end) if ctx.limits.quiet_start and ctx.limits.quiet_end else None
    window = (campaign.window_start, campaign.window_end) if campaign.window_start and campaign.window_end else None
    with delivery.open_transport() as transport:
        for row in rows:
            now = clock.now()
            if row.contact_id not in values:
                row.status, row.reason, row.lease_until = R.EXCLUDED, reasons.NO_CONTACT, None
                continue
            if row.contact_id in capped:
                _defer(row, capped[row.contact_id], reasons.FREQUENCY_CAP)
                continue
            zone = zone_of(zones.get(row.contact_id, ""), ctx.site)
            at, why = next_allowed(now, zone, quiet=quiet, window=window)
            if why:
                _defer(row, at, why)
                continue
            domain = row.email.rpartition("@")[2].lower()
            bucket = ctx.domains.get(domain)
            if bucket is None:
                bucket = ctx.domains[domain] = Bucket(ctx.limits.domain_rate / ctx.share)
            wait = bucket.wait()
            if wait > 1.0:  # this domain had its share: the others in the batch go first
                _defer(row, now + dt.timedelta(seconds=wait), reasons.RATE_LIMIT)
                continue
            if wait:
                time.sleep(wait)
                bucket.wait()
            for _try in range(100):  # the global rate: wait for a token (bounded)
                pause = ctx.rate.wait()
                if not pause:
                    break
                time.sleep(min(pause, 1.0))
            _send_one(ctx, row, values[row.contact_id], transport, now, result)
    _save(rows, result)


def _save(rows: list[CampaignRecipient], result: WorkerResult) -> None:
    for row in rows:
        if row.status == R.SENT:
            result.sent += 1
        elif row.status == R.EXCLUDED:
            result.excluded += 1
        elif row.status == R.BOUNCED:
            result.bounced += 1
        elif row.status == R.FAILED:
            result.failed += 1
        else:
            result.deferred += 1
        if row.reason:
            result.by_reason[row.reason] += 1
    # One statement per row in one transaction (executemany): bulk_update's CASE over 100 rows
    # cost more than the rows' sending.
    table = CampaignRecipient._meta.db_table
    columns = ("email", "status", "reason", "not_before", "lease_until", "attempts", "deferrals", "email_log_id", "sent_at")
    fields = [CampaignRecipient._meta.get_field(c) for c in columns]
    sql = f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE id = %s"
    params = [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk] for row in rows]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, params)


# ---------------------------------------------------------------- the worker


def finish_if_done(campaign_id: int) -> bool:
    """A sending campaign with nobody left waiting is sent; True when it is (now or before)."""
    now = clock.now()
    waiting = CampaignRecipient.objects.filter(campaign_id=OuterRef("pk"), status=R.PENDING)
    Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).filter(~Exists(waiting)).update(
        status=Campaign.Status.SENT, finished_at=now, updated_at=now)
    return Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENT).exists()


def start_if_due(campaign_id: int) -> bool:
    """A scheduled campaign whose first recipient is due moves to sending; True when sending."""
    now = clock.now()
    due = CampaignRecipient.objects.filter(campaign_id=OuterRef("pk"), status=R.PENDING, not_before__lte=now)
    Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SCHEDULED).filter(Exists(due)).update(
        status=Campaign.Status.SENDING, started_at=now, updated_at=now)
    return Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.SENDING).exists()


def next_due(campaign_id: int) -> dt.datetime | None:
    """When the next waiting recipient is due (or its lease ends), None when none waits."""
    now = clock.now()
    pending = CampaignRecipient.objects.filter(campaign_id=campaign_id, status=R.PENDING)
    free = pending.filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now)).aggregate(m=Min("not_before"))["m"]
    held = pending.filter(lease_until__gte=now).aggregate(m=Min("lease_until"))["m"]
    moments = [m for m in (free, held) if m]
    return min(moments) if moments else None


def run_worker(campaign_id: int, *, max_seconds: float | None = None, wait_for_deferred: bool = False, share: int | None = None,
               stop: threading.Event | None = None, on_batch: Callable[[WorkerResult], None] | None = None) -> WorkerResult:
    """Sends the campaign's due recipients until none is due (with `wait_for_deferred`: until
    none waits at all, sleeping until the next is due), the campaign is paused or cancelled,
    `max_seconds` passed or `stop` is set. `share`: how many workers split the rate limits
    (default SARNAKH_CAMPAIGN_WORKERS)."""
    lim = limits()
    share = max(1, share or lim.workers)
    result = WorkerResult()
    started = time.monotonic()
    ctx: _Context | None = None
    for _round in range(MAX_ROUNDS):
        if stop is not None and stop.is_set():
            break
        if max_seconds is not None and time.monotonic() - started >= max_seconds:
            result.more_due = True
            break
        start_if_due(campaign_id)
        campaign = Campaign.objects.select_related("template", "sender").filter(pk=campaign_id).first()
        if campaign is not None and campaign.status == Campaign.Status.CANCELLED:
            # Cancelled while a batch was out: what that batch put back to wait is cancelled too.
            CampaignRecipient.objects.filter(campaign_id=campaign_id, status=R.PENDING).filter(
                Q(lease_until__isnull=True) | Q(lease_until__lt=clock.now())).update(status=R.CANCELLED)
        if campaign is None or campaign.status != Campaign.Status.SENDING:
            break
        if ctx is None:
            template = campaign.template
            ctx = _Context(campaign=campaign, sender=campaign.sender or delivery.sender_default(), limits=lim, site=site_zone(),
                           source=TemplateSource(subject=template.subject, preheader=template.preheader, html=template.html,
                                                 language=template.language),
                           rate=Bucket(lim.rate / share), domains={}, share=share, utm=utm_of(campaign))
        rows = claim(campaign_id, size=lim.batch, lease=lim.lease)
        if rows:
            _batch(ctx, rows, result)
            result.batches += 1
            if result.batches % GC_EVERY == 0:
                # Cycles only a full collection frees, and with Django's large heap that one
                # rarely runs. The email package's default policy made a class per header of
                # every message (~2 KB a message); messages are built on compat32 since, and
                # the collection stayed as cheap insurance.
                gc.collect()
            if on_batch:
                on_batch(result)
            continue
        if finish_if_done(campaign_id) or not wait_for_deferred:
            break
        upcoming = next_due(campaign_id)
        pause = IDLE_SLEEP if upcoming is None else min(IDLE_SLEEP, max(0.05, (upcoming - clock.now()).total_seconds()))
        if max_seconds is not None:
            pause = min(pause, max(0.0, max_seconds - (time.monotonic() - started)))
        time.sleep(pause)
    return result


def start_due_campaigns(*, limit: int = 100) -> int:
    """The periodic check: scheduled campaigns whose time came start sending, and sending
    campaigns with due recipients but no worker job queued or running get their workers
    back (deferred recipients came due, or a worker died). Returns how many were started."""
    from django_tasks_db.models import DBTaskResult

    from sarnakh.mail.campaigns import tasks

    now = clock.now()
    due = CampaignRecipient.objects.filter(campaign_id=OuterRef("pk"), status=R.PENDING, not_before__lte=now).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    candidates = list(Campaign.objects.filter(status__in=(Campaign.Status.SCHEDULED, Campaign.Status.SENDING))
                      .filter(Exists(due)).order_by("id").values_list("pk", flat=True)[:limit])
    if not candidates:
        return 0
    busy = set()
    for args in (DBTaskResult.objects.filter(task_path=tasks.send_slice.module_path)
                 .filter(Q(status="READY") | Q(status="RUNNING")).values_list("args_kwargs", flat=True)[:10_000]):
        found = (args or {}).get("args") or []
        if found:
            busy.add(found[0])
    started = 0
    for campaign_id in candidates:
        if campaign_id in busy or not start_if_due(campaign_id):
            continue
        with transaction.atomic():
            tasks.start_workers(campaign_id)
        started += 1
    return started
