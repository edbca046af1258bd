"""Tracking writes: an open or a click as it arrives (`engagement_record`, called by the
public redirect and pixel), and what follows for the contact once it committed
(`engagements_follow`, `bounces_follow`, called by mail's subscriber).

The request does the least it can: read the message's send time, look at its clicks of the
last few seconds (one indexed query, for clicks only), insert the row and publish
`email.opened` / `email.clicked`. Timeline rows and the contact's tracking events (which
scoring, segments and list hygiene read) are written by the subscriber, off the request.

A scanner's first click can look human until its next clicks arrive: a burst marks the
message's clicks of the last few seconds as machine, and the subscriber reads the row's
flag when it runs, not the flag the event carried (docs/email-tracking.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Min

from sarnakh.contacts import selectors as contacts
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.events import publish
from sarnakh.core.timeline import timeline_write_many
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.tracking import machines
from sarnakh.mail.tracking.contact_page import EMAIL_CLICKED, EMAIL_OPENED
from sarnakh.mail.tracking.events import EmailClicked, EmailOpened
from sarnakh.mail.tracking.models import EmailEngagement
from sarnakh.tracking import selectors as tracking_selectors
from sarnakh.tracking import services as tracking

USER_AGENT_LENGTH = 300
RECENT_CLICKS = 50  # the message's clicks of the last BURST_SECONDS looked at
FOLLOW_BATCH = 1000


def _actor() -> Actor:
    return Actor.system("mail")


@transaction.atomic
def engagement_record(
    *, kind: str, email_id: int, url: str = "", user_agent: str = "", ip: str = "", method: str = "GET",
    at: dt.datetime | None = None,
) -> EmailEngagement | None:
    """Records one open or click of message `email_id` (None when there is no such message)
    and publishes its event. `url` is the verified destination of a click."""
    if kind not in EmailEngagement.Kind.values:
        raise ValueError(f"unknown engagement kind {kind!r}")
    at = at or clock.now()
    email = OutboundEmail.objects.filter(pk=email_id).values("contact_id", "sent_at").first()
    if email is None:
        return None
    recent: tuple[str, ...] = ()
    window = at - dt.timedelta(seconds=machines.BURST_SECONDS)
    if kind == EmailEngagement.Kind.CLICK:
        recent = tuple(EmailEngagement.objects.filter(email_id=email_id, kind=kind, occurred_at__gte=window)
                       .values_list("url", flat=True)[:RECENT_CLICKS])
    sent_at = email["sent_at"]
    verdict = machines.classify(machines.Request(
        kind=kind, user_agent=user_agent, ip=ip, method=method, url=url, recent_click_urls=recent,
        bot_reason=tracking_selectors.bot_reason_for_user_agent((user_agent or "")[:1000]),
        seconds_since_sent=(at - sent_at).total_seconds() if sent_at else None,
    ))
    row = EmailEngagement.objects.create(
        email_id=email_id, contact_id=email["contact_id"], kind=kind, url=url[:2000], occurred_at=at,
        machine=verdict.machine, machine_reason=verdict.reason, user_agent=(user_agent or "")[:USER_AGENT_LENGTH],
        ip_prefix=machines.ip_prefix(ip),
    )
    if verdict.reason == "click_burst":  # the burst's earlier clicks were the same scanner
        (EmailEngagement.objects.filter(email_id=email_id, kind=kind, machine=False, occurred_at__gte=window)
         .exclude(pk=row.pk).update(machine=True, machine_reason="click_burst"))
    common: dict[str, Any] = {"contact_id": email["contact_id"], "email_id": email_id, "engagement_id": row.pk,
                              "machine": verdict.machine, "machine_reason": verdict.reason}
    publish(EmailClicked(url=row.url, **common) if kind == EmailEngagement.Kind.CLICK else EmailOpened(**common), actor=_actor())
    return row


def engagements_follow(*, engagement_ids: list[int]) -> int:
    """For the human ones among these opens and clicks (as flagged now): a timeline row on
    the contact (the first human open of each message; every human click, with its URL) and
    a tracking event (`email_open` for the first human open of a message, `email_click` for
    every human click), which scoring, segments and list hygiene read. Machine ones are left
    out. Idempotent (a tracking event per engagement id). Returns the rows followed."""
    ids = sorted(set(engagement_ids))[:FOLLOW_BATCH]
    rows = list(EmailEngagement.objects.filter(pk__in=ids, machine=False, contact_id__isnull=False)
                .select_related("email").order_by("pk"))
    if not rows:
        return 0
    opened = {r.email_id for r in rows if r.kind == EmailEngagement.Kind.OPEN}
    first_open = dict(
        EmailEngagement.objects.filter(email_id__in=opened, kind=EmailEngagement.Kind.OPEN, machine=False)
        .values("email_id").annotate(first=Min("pk")).values_list("email_id", "first")
    ) if opened else {}
    events: list[tracking.ContactEvent] = []
    timeline: list[tuple[str, dt.datetime, int, dict]] = []
    live: dict[int, int | None] = {}
    for row in rows:
        if row.contact_id not in live:
            live[row.contact_id] = contacts.resolve_contact_id(row.contact_id)[0]
        contact_id = live[row.contact_id]
        if contact_id is None:  # the contact was deleted
            continue
        data = {"email_id": row.email_id, "subject": row.email.subject}
        common = {"contact_id": contact_id, "at": row.occurred_at, "label": row.email.subject[:200],
                  "properties": {"email_id": row.email_id}}
        if row.kind == EmailEngagement.Kind.OPEN:
            if first_open.get(row.email_id) != row.pk:
                continue
            events.append(tracking.ContactEvent(name="email_open", event_id=f"email-open-{row.email_id}", **common))
            timeline.append((EMAIL_OPENED, row.occurred_at, contact_id, data))
        else:
            events.append(tracking.ContactEvent(name="email_click", event_id=f"email-click-{row.pk}", url=row.url, **common))
            timeline.append((EMAIL_CLICKED, row.occurred_at, contact_id, {**data, "url": row.url}))
    with transaction.atomic():
        # Each row at the moment of its open or click (rows of one moment in one statement).
        grouped: dict[tuple[str, dt.datetime], list[tuple[int, dict]]] = {}
        for kind, at, contact_id, data in timeline:
            grouped.setdefault((kind, at), []).append((contact_id, data))
        for (kind, at), group in sorted(grouped.items(), key=lambda item: item[0][1]):
            timeline_write_many(rows=group, kind=kind, actor=_actor(), at=at)
        tracking.contact_events_record(events=events, actor=_actor())
    return len(events)


def bounces_follow(*, bounces: list[tuple[int, int, dt.datetime]]) -> int:
    """Hard bounces (email id, contact id, when) as the contact's `email_bounced` tracking
    event, which the default scoring model counts against the contact. One per message."""
    events = [
        tracking.ContactEvent(contact_id=contact_id, name="email_bounced", event_id=f"email-bounce-{email_id}", at=at,
                              properties={"email_id": email_id})
        for email_id, contact_id, at in bounces[:FOLLOW_BATCH] if contact_id
    ]
    return tracking.contact_events_record(events=events, actor=_actor()) if events else 0


def unsubscribes_follow(*, losses: list[tuple[int, int, dt.datetime, str]]) -> int:
    """Leaving all marketing email, or a spam complaint, (log id, contact id, when, how)
    as the contact's `unsubscribed` tracking event, which the default scoring model counts
    against the contact (once). A single topic's opt-out is not a loss of the contact."""
    events = [
        tracking.ContactEvent(contact_id=contact_id, name="unsubscribed", event_id=f"email-unsubscribed-{log_id}", at=at,
                              properties={"via": via})
        for log_id, contact_id, at, via in losses[:FOLLOW_BATCH] if contact_id
    ]
    return tracking.contact_events_record(events=events, actor=_actor()) if events else 0
