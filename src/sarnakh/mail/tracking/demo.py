"""Opens and clicks for demo messages: `sarnakh demo` sends none, so the campaign demo
calls `load_engagement_demo` with the messages it sent. A seeded, plausible mix — people
opening (some through Gmail's proxy) and clicking, Apple's proxy prefetching, a security
scanner clicking every link on arrival — recorded through the same service as the public
endpoints, so the events, timeline rows and scores follow as they would. Idempotent: when
any of the messages already has opens or clicks, nothing is added."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sarnakh.mail.delivery.models import OutboundEmail
from sarnakh.mail.tracking import services
from sarnakh.mail.tracking.models import EmailEngagement

MAX_EMAILS = 5000
PERSON = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15"
PHONE = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36"
GMAIL = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"
SCANNER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36"
DESTINATIONS = ("https://example.ir/pricing", "https://example.ir/blog/lead-nurturing", "https://example.ir/case-studies/acme",
                "https://example.ir/demo")


def load_engagement_demo(email_ids: Any, *, seed: int = 1403, links: tuple[str, ...] = DESTINATIONS) -> str:
    rng = random.Random(seed + 15)
    if EmailEngagement.objects.filter(email_id__in=email_ids).exists():
        return "Email tracking: the demo messages already have opens and clicks."
    emails = list(OutboundEmail.objects.filter(pk__in=email_ids, status=OutboundEmail.Status.SENT, sent_at__isnull=False)
                  .order_by("pk").values_list("pk", "sent_at")[:MAX_EMAILS])
    made = {"human": 0, "machine": 0}

    def record(kind: str, email_id: int, at: dt.datetime, ua: str, ip: str, url: str = "") -> None:
        row = services.engagement_record(kind=kind, email_id=email_id, url=url, user_agent=ua, ip=ip, at=at)
        if row is not None:
            made["machine" if row.machine else "human"] += 1

    for email_id, sent_at in emails:
        roll = rng.random()
        if roll < 0.35:  # Apple Mail with Privacy Protection: the proxy prefetches on arrival
            record("open", email_id, sent_at + dt.timedelta(seconds=rng.randint(5, 600)), "Mozilla/5.0", f"17.{rng.randint(0, 255)}.{rng.randint(0, 255)}.9")
        if 0.35 <= roll < 0.40:  # a corporate gateway follows every link on arrival
            for offset, url in enumerate(links):
                record("click", email_id, sent_at + dt.timedelta(seconds=2 + offset * 0.3), SCANNER, "198.51.100.20", url)
        if rng.random() < 0.45:  # a person reads it, some through Gmail's proxy
            at = sent_at + dt.timedelta(minutes=rng.randint(3, 3 * 24 * 60))
            gmail = rng.random() < 0.4
            record("open", email_id, at, GMAIL if gmail else rng.choice((PERSON, PHONE)),
                   "66.249.84.10" if gmail else f"5.160.{rng.randint(0, 255)}.{rng.randint(1, 254)}")
            if rng.random() < 0.35:  # and clicks one or two links
                for url in rng.sample(links, k=rng.choice((1, 1, 2))):
                    at += dt.timedelta(seconds=rng.randint(20, 400))
                    record("click", email_id, at, rng.choice((PERSON, PHONE)), f"5.160.{rng.randint(0, 255)}.{rng.randint(1, 254)}", url)
    return (f"Email tracking: {made['human']} human and {made['machine']} machine opens and clicks "
            f"on {len(emails)} sent messages.")
