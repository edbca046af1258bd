"""Who opened and clicked: a campaign's recipients one by one, with what their message met —
first human open, human and machine opens, human clicks and the last link clicked, bounce
(hard or soft), complaint, unsubscribe — a page at a time.

Set-based: one query per page (the recipient rows with correlated subqueries over the
message's opens and clicks and its bounces, keyset-paginated by recipient id, at most
MAX_LIMIT rows) and one for the contacts' names; the filters' counts come from the report's
figures and one aggregate over the opens and clicks (show_counts).

The filters (`show`), over the same definitions as the report's figures:
- all: every recipient, excluded and waiting ones included;
- opened: a person opened the message (a human open or click: a click is an open whose
  pixel the client did not load) — the report's unique openers;
- machine_only: machines opened or clicked it (privacy proxies, scanners), no person did;
- clicked: a person clicked a link — the report's unique clickers (`url`: that link);
- not_opened: the message left and no person opened it (machine-only ones included);
- bounced: it bounced, hard or soft (the report's bounced);
- unsubscribed: the report's unsubscribes (report.unsubscribed_condition).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from sarnakh.contacts import selectors as contacts
from sarnakh.mail.bounces.models import Bounce
from sarnakh.mail.campaigns import report
from sarnakh.mail.campaigns.models import Campaign, CampaignRecipient
from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.tracking import selectors as tracking

SHOWS = ("all", "opened", "machine_only", "clicked", "not_opened", "bounced", "unsubscribed")
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_URL_LENGTH = 2000  # the tracking table's own bound on a link

OPEN, CLICK = "open", "click"
MESSAGE = OuterRef("email_log_id")


@dataclass(frozen=True)
class RecipientRow:
    recipient_id: int
    contact_id: int
    email: str
    name: str  # the contact's name now ("" when none, or the contact is gone)
    status: str
    sent_at: Any
    first_open_at: Any  # the first human open or click (None: no person opened it)
    opens_human: int
    opens_machine: int
    clicks_human: int
    last_click_url: str
    bounce: str  # "hard", "soft" or ""
    complained: bool
    unsubscribed: bool


@dataclass(frozen=True)
class RecipientPage:
    rows: list[RecipientRow]
    next_after: int | None  # the keyset cursor of the next page; None: this was the last


def _count(rows: QuerySet) -> Coalesce:
    return Coalesce(Subquery(rows.values("email_id").annotate(n=Count("pk")).values("n")[:1]),
                    Value(0), output_field=IntegerField())


def _human() -> QuerySet:
    return tracking.message_engagements(MESSAGE, machine=False)


def _sent() -> Q:
    return Q(status__in=(CampaignRecipient.Status.SENT, CampaignRecipient.Status.BOUNCED), email_log__isnull=False)


def _conditions(campaign: Campaign, url: str = "") -> dict[str, Q]:
    """Each filter as a condition over CampaignRecipient rows (the page and the counts share them)."""
    human = Exists(_human())
    machine = Exists(tracking.message_engagements(MESSAGE, machine=True))
    clicked = tracking.message_engagements(MESSAGE, kind=CLICK, machine=False)
    hard = (Q(status=CampaignRecipient.Status.BOUNCED) | Q(email_log__status=OutboundEmail.Status.BOUNCED_HARD)
            | Q(Exists(Bounce.objects.filter(email_id=MESSAGE, kind=Bounce.Kind.HARD))))
    soft = Q(Exists(Bounce.objects.filter(email_id=MESSAGE, kind=Bounce.Kind.SOFT)))
    return {
        "all": Q(),
        "opened": Q(human),
        "machine_only": Q(machine) & ~Q(human),
        "clicked": Q(Exists(clicked.filter(url=url) if url else clicked)),
        "not_opened": _sent() & ~Q(human),
        "bounced": _sent() & (hard | soft),
        "unsubscribed": _sent() & report.unsubscribed_condition(campaign),
        "_hard": hard,
        "_soft": soft,
    }


def recipient_engagement(campaign: Campaign, *, show: str = "all", url: str = "", after_id: int | None = None,
                         limit: int = DEFAULT_LIMIT) -> RecipientPage:
    """A page of the campaign's recipients passing `show` (SHOWS), by recipient id after
    `after_id`, at most `limit` (1–MAX_LIMIT) rows; `url` narrows `clicked` to one link."""
    if show not in SHOWS:
        raise ValueError(f"unknown filter {show!r}")
    limit = max(1, min(int(limit), MAX_LIMIT))
    when = _conditions(campaign, url[:MAX_URL_LENGTH])
    rows = report.recipient_rows(campaign.pk).filter(when[show])
    if after_id:
        rows = rows.filter(pk__gt=after_id)
    rows = rows.annotate(
        first_open_at=Subquery(_human().values("email_id").annotate(first=Min("occurred_at")).values("first")[:1]),
        opens_human=_count(tracking.message_engagements(MESSAGE, kind=OPEN, machine=False)),
        opens_machine=_count(tracking.message_engagements(MESSAGE, kind=OPEN, machine=True)),
        clicks_human=_count(tracking.message_engagements(MESSAGE, kind=CLICK, machine=False)),
        last_click_url=Subquery(tracking.message_engagements(MESSAGE, kind=CLICK, machine=False)
                                .order_by("-occurred_at", "-id").values("url")[:1]),
        bounce=Case(When(when["_hard"], then=Value("hard")), When(when["_soft"], then=Value("soft")), default=Value("")),
        complained=Exists(Bounce.objects.filter(email_id=MESSAGE, kind=Bounce.Kind.COMPLAINT)),
        unsubscribed=Case(When(when["unsubscribed"], then=Value(True)), default=Value(False), output_field=BooleanField()),
    ).order_by("pk").values(
        "pk", "contact_id", "email", "status", "sent_at", "first_open_at", "opens_human", "opens_machine",
        "clicks_human", "last_click_url", "bounce", "complained", "unsubscribed")[: limit + 1]
    found = list(rows)
    more = len(found) > limit
    found = found[:limit]
    names = _names([row["contact_id"] for row in found])
    page = [RecipientRow(
        recipient_id=row["pk"], contact_id=row["contact_id"], email=row["email"], name=names.get(row["contact_id"], ""),
        status=row["status"], sent_at=row["sent_at"], first_open_at=row["first_open_at"],
        opens_human=row["opens_human"] or 0, opens_machine=row["opens_machine"] or 0, clicks_human=row["clicks_human"] or 0,
        last_click_url=row["last_click_url"] or "", bounce=row["bounce"] or "", complained=bool(row["complained"]),
        unsubscribed=bool(row["unsubscribed"])) for row in found]
    return RecipientPage(rows=page, next_after=page[-1].recipient_id if more and page else None)


def show_counts(campaign: Campaign, *, url: str = "") -> dict[str, int]:
    """How many recipients each filter of SHOWS holds: the report's own figures (recipients,
    bounces, unsubscribes) and one aggregate over the messages' opens and clicks — a handful
    of set-based queries, no per-recipient probe. A message can only be opened once it left,
    so not_opened = sent − opened."""
    logged = report.recipient_rows(campaign.pk).filter(email_log__isnull=False).values("email_log_id")
    engaged = tracking.engaged_message_counts(logged, url=url[:MAX_URL_LENGTH])
    bounces = report.bounce_counts(report.sent_email_ids(campaign.pk))
    sent = report.recipient_rows(campaign.pk).filter(_sent()).count()
    return {"all": report.recipient_rows(campaign.pk).count(), "opened": engaged["human"],
            "machine_only": engaged["engaged"] - engaged["human"], "clicked": engaged["human_clickers"],
            "not_opened": max(sent - engaged["human"], 0), "bounced": bounces["bounced_hard"] + bounces["bounced_soft"],
            "unsubscribed": report.unsubscribe_count(campaign)}


def _names(contact_ids: list[int]) -> dict[int, str]:
    """The page's contacts' names (one query, bounded by the page)."""
    rows = contacts.live_contacts().filter(pk__in=contact_ids).values_list("pk", "first_name", "last_name")
    return {pk: " ".join(part for part in (first, last) if part) for pk, first, last in rows}
