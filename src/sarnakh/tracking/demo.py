"""Demo behaviour for the demo contacts: a tracked site, visitors, sessions and events.

Inbound demo contacts get the visits that brought them (their first session matches the
first touch on their record and starts before they were created) and a few later ones;
anonymous visitors who never converted fill the pages report. Written with bulk inserts
from one seeded random generator, like contacts/demo.py; all rows are already processed.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

from django.db import transaction

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.core import clock
from sarnakh.tracking import channels
from sarnakh.tracking.models import Event, Session, Site, Visitor

SITE = "https://www.example.ir"
PAGES = [
    ("/", "سرنخ — مدیریت سرنخ و اتوماسیون بازاریابی", 10), ("/pricing", "قیمت‌ها", 6), ("/features/automation", "اتوماسیون", 4),
    ("/fa/blog/lead-scoring", "امتیازدهی سرنخ چیست؟", 5), ("/fa/blog/lead-nurturing", "پرورش سرنخ", 5),
    ("/fa/blog/mql-vs-sql", "تفاوت MQL و SQL", 4), ("/en/case-studies", "Case studies", 3), ("/testimonials", "نظر مشتریان", 2),
    ("/demo", "درخواست دمو", 2), ("/careers", "فرصت‌های شغلی", 1), ("/ebook/mql-guide", "کتاب راهنمای MQL", 2),
]
CTAS = ["درخواست دمو", "Start free trial", "دانلود کتاب", "Talk to sales"]
ANON_REFERRERS = ["https://www.google.com/", "https://www.google.com/", "https://zarebin.ir/", "https://t.me/", "https://www.linkedin.com/", "", "", "https://virgool.io/"]


def _first_url(contact) -> str:
    """The landing page with the first touch's UTM parameters (`contact` has those fields)."""
    base = contact.landing_page or SITE + "/"
    params = {k: getattr(contact, k) for k in channels.UTM_KEYS if getattr(contact, k)}
    if not params or "utm_" in base:
        return base
    return base + ("&" if "?" in base else "?") + urlencode(params)


class _Writer:
    def __init__(self, rng: random.Random, site: Site):
        self.rng, self.site = rng, site
        self.visitors: list[Visitor] = []
        self.sessions: list[tuple[Session, list[Event]]] = []

    def visit(
        self, visitor_id: str, start: dt.datetime, *, contact_id: int | None, url: str, referrer: str, hot: bool, then: str = "",
    ) -> dt.datetime:
        """One session from `url`; `then` names a track event that ends it (e.g. demo_requested)."""
        rng = self.rng
        pages = [(urlsplit(url).path or "/", url, "")]
        for _ in range(rng.randint(0, 5)):
            path, _title, _w = rng.choices(PAGES, weights=[p[2] * (3 if hot and p[0] in ("/pricing", "/demo", "/en/case-studies") else 1) for p in PAGES])[0]
            pages.append((path, SITE + path, ""))
        utm = channels.utm_from_url(url)
        session = Session(
            visitor_id=visitor_id, site=self.site, contact_id=contact_id, started_at=start, last_event_at=start,
            entry_url=url, entry_path=pages[0][0], referrer=referrer,
            channel=channels.classify(channels.TouchInput(url=url, referrer=referrer, utm=utm)),
            **{k: utm.get(k, "") for k in channels.UTM_KEYS},
        )
        events: list[Event] = []
        at = start
        titles = {p[0]: p[1] for p in PAGES}
        for index, (path, page_url, _) in enumerate(pages):
            events.append(self._event(visitor_id, contact_id, at, "page_view", "", page_url, path, titles.get(path, ""), referrer if index == 0 else ""))
            if rng.random() < (0.25 if hot else 0.06):
                events.append(self._event(visitor_id, contact_id, at + dt.timedelta(seconds=20), "track", "cta_click", page_url, path, "", "", label=rng.choice(CTAS)))
            if path == "/ebook/mql-guide" and rng.random() < 0.5:
                events.append(self._event(visitor_id, contact_id, at + dt.timedelta(seconds=40), "track", "download", page_url, path, "", "", label="mql-guide.pdf"))
            at += dt.timedelta(seconds=rng.randint(15, 240))
        if then:
            path, page_url = pages[-1][0], pages[-1][1]
            events.append(self._event(visitor_id, contact_id, at, "track", then, page_url, path, "", ""))
        session.last_event_at = events[-1].occurred_at
        session.page_count = len(pages)
        session.event_count = len(events)
        self.sessions.append((session, events))
        return session.last_event_at

    def _event(self, visitor_id, contact_id, at, kind, name, url, path, title, referrer, label=""):
        return Event(
            source=f"s{self.site.pk}", event_id=uuid.UUID(int=self.rng.getrandbits(128)).hex, site=self.site, type=kind, name=name,
            visitor_id=visitor_id, occurred_at=at, received_at=at, processed_at=at, url=url, path=path, title=title,
            referrer=referrer, label=label, properties={"label": label} if label else {}, context={}, contact_id=contact_id,
        )

    def save(self) -> int:
        Visitor.objects.bulk_create(self.visitors, batch_size=1000)
        Session.objects.bulk_create([s for s, _ in self.sessions], batch_size=1000)
        events = []
        for session, rows in self.sessions:
            for event in rows:
                event.session = session
                events.append(event)
        Event.objects.bulk_create(events, batch_size=1000)
        return len(events)


def load_tracking_demo(*, seed: int = 1403, anonymous_visitors: int = 1500) -> str:
    rng = random.Random(seed)
    contacts = list(
        contact_selectors.live_contacts().filter(source_type="inbound").order_by("id")
        .values_list("id", "created_at", "landing_page", "referrer", *channels.UTM_KEYS, "stage")
    )
    mql_at = dict(contact_selectors.stage_changes().filter(to_stage="mql").values_list("contact_id", "changed_at"))
    # People who went further showed more buying intent first: a demo request before sales
    # accepted them, a look at pricing before the deal was opened (the scoring backtest
    # needs behaviour that predicts the later stages).
    sql_at = dict(contact_selectors.stage_changes().filter(to_stage="sql").values_list("contact_id", "changed_at"))
    opportunity_at = dict(contact_selectors.stage_changes().filter(to_stage="opportunity").values_list("contact_id", "changed_at"))
    with transaction.atomic():
        moment = clock.now()
        site = Site.objects.create(name="example.ir", key="site_demo" + uuid.UUID(int=rng.getrandbits(128)).hex[:16], allowed_origins=[SITE], created_at=moment, updated_at=moment)
        writer = _Writer(rng, site)
        for contact_id, created, landing, referrer, *utm_and_stage in contacts:
            stage = utm_and_stage[-1]
            row = SimpleNamespace(landing_page=landing, **dict(zip(channels.UTM_KEYS, utm_and_stage[:-1], strict=True)))
            visitor_id = f"demo-{contact_id}"
            first = created - dt.timedelta(minutes=rng.randint(3, 50))
            end = writer.visit(visitor_id, first, contact_id=contact_id, url=_first_url(row), referrer=referrer, hot=False)
            hot = stage not in ("subscriber", "lead", "disqualified", "cold")
            for _ in range(rng.randint(0, 4 if hot else 2)):
                start = created + dt.timedelta(days=rng.uniform(0.5, 40))
                if contact_id in mql_at and rng.random() < 0.5:
                    start = mql_at[contact_id] - dt.timedelta(hours=rng.uniform(1, 48))
                if start > moment - dt.timedelta(hours=1):
                    continue  # no visits from the future
                end = max(end, writer.visit(visitor_id, start, contact_id=contact_id, url=SITE + rng.choice(["/", "/pricing", "/fa/blog/lead-scoring"]),
                                            referrer=rng.choice(["", "https://mail.google.com/"]), hot=hot))
            for moments, chance, path, then in ((sql_at, 0.6, "/demo", "demo_requested"), (opportunity_at, 0.6, "/pricing", "")):
                if contact_id in moments and rng.random() < chance:
                    start = max(moments[contact_id] - dt.timedelta(hours=rng.uniform(2, 72)), created + dt.timedelta(minutes=5))
                    if start < moment - dt.timedelta(hours=1):
                        end = max(end, writer.visit(visitor_id, start, contact_id=contact_id, url=SITE + path, referrer="", hot=True, then=then))
            writer.visitors.append(Visitor(visitor_id=visitor_id, contact_id=contact_id, first_seen_at=first, last_seen_at=end, identified_at=created, identified_by="form"))
        for index in range(anonymous_visitors):
            visitor_id = f"demo-anon-{index}"
            start = moment - dt.timedelta(days=rng.uniform(0.05, 90))
            path = rng.choice(PAGES)[0]
            end = writer.visit(visitor_id, start, contact_id=None, url=SITE + path, referrer=rng.choice(ANON_REFERRERS), hot=False)
            writer.visitors.append(Visitor(visitor_id=visitor_id, first_seen_at=start, last_seen_at=end))
        events = writer.save()
    return f"Tracking demo: site {site.name} (key {site.key}), {len(writer.visitors)} visitors, {len(writer.sessions)} sessions, {events} events."
