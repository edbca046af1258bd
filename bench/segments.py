"""Segments at scale: "viewed /pricing ≥ 2 times in 14 days AND grade ≥ B AND consent not
unsubscribed" counted, rebuilt and kept current (issue 13's benchmarks).

    .venv/bin/python bench/segments.py --db postgres                       # 1,000,000 contacts, 10,000,000 events
    .venv/bin/python bench/segments.py --db sqlite                         # 100,000 contacts, 1,000,000 events
    .venv/bin/python bench/segments.py --db sqlite --contacts 5000 --events 50000   # smoke run
    .venv/bin/python bench/segments.py --db postgres --explain             # also print the query plans

A fresh database (PostgreSQL: `sarnakh_bench_segments`, created and dropped by the script;
SQLite: a file in a temporary home under /tmp) is migrated and filled in bulk (COPY through
psycopg 3 on PostgreSQL, `executemany` in large transactions on SQLite):

- contacts with lifecycle stages (45% lead, 15% subscriber, 15% MQL, …), email consent
  (45% not asked, 43% subscribed, 12% unsubscribed), 80% at a company domain, creation
  dates over two years;
- one default-model score per contact (grades A 10%, B 22%, C 33%, D 35%; the breakdown of
  a real score, so rows are as wide as the app's);
- tracking events over the last 90 days: 62% identified, 33% anonymous, 5% bots; 80% page
  views (/, /pricing 7%, /pricing/team 2%, /fa/pricing 2%, /blog/… 33%, /case-studies/…,
  /docs/…, /demo, /about, /careers, /contact), 20% custom events, written in time order as
  the intake stores them. Activity is skewed: a
  contact's share of events falls off with its (shuffled) rank, as real audiences do. All
  events are already processed, so the event processor only sees what the run adds.

Then it times (each measurement `--repeat` times; the median and the spread are printed):
  count        compile_filter + COUNT over the live contacts (matching_contacts(...).count())
  preview      what the builder's live count calls: the count and a sample of 10 members, as
               two queries and as segments.selectors.live_preview (one query)
  rebuild      segment_refresh from an empty membership (every member enters: rows, history, events)
  rebuild 2nd  segment_refresh again with nothing changed
  event→member one page view of /pricing for a contact one view short of the segment,
               sent through tracking's intake (batch_receive) and processed as the event
               processor thread does; the time until the membership row exists (the fast
               in-process subscribers run on commit: scoring, then segments). Median and p95
               over `--incremental` contacts.
The machine's load average is printed with each figure. Nothing is written to docs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BenchDatabase, percentile  # noqa: E402

SEGMENT = {"match": "all", "conditions": [
    {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
    {"field": "grade", "op": "gte", "value": "B"},
    {"field": "consent", "op": "ne", "value": "unsubscribed"},
]}
# One view short: the contacts the incremental measurement sends a second pricing view for.
ONE_SHORT = {"match": "all", "conditions": [
    {"field": "page_views", "op": "at_least", "value": {"times": 1, "days": 14, "path": "/pricing*"}},
    {"field": "page_views", "op": "fewer_than", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
    {"field": "grade", "op": "gte", "value": "B"},
    {"field": "consent", "op": "ne", "value": "unsubscribed"},
]}

STAGES = [("lead", 45), ("subscriber", 15), ("mql", 15), ("sql", 7), ("opportunity", 5), ("customer", 5),
          ("cold", 5), ("recycled", 2), ("disqualified", 1)]
CONSENT = [("not_asked", 45), ("subscribed", 43), ("unsubscribed", 12)]
GRADES = [("A", 10), ("B", 22), ("C", 33), ("D", 35)]
FIT_BAND = {"A": (45, 80), "B": (30, 44), "C": (15, 29), "D": (0, 14)}
BLOG = [f"/blog/{slug}" for slug in (
    "what-is-lead-scoring", "crm-vs-marketing-automation", "b2b-funnel", "email-deliverability", "persian-seo",
    "webinar-checklist", "nurture-programs", "utm-guide", "gdpr-and-consent", "sales-handoff", "abm-basics",
    "landing-pages", "content-calendar", "churn", "pricing-psychology", "case-for-automation")]
PATHS = [("/", 18), ("/pricing", 7), ("/pricing/team", 2), ("/fa/pricing", 2), ("BLOG", 33),
         ("/case-studies/novin-pardaz", 4), ("/case-studies/atlas", 3), ("/docs/getting-started", 6),
         ("/docs/api", 4), ("/demo", 4), ("/about", 8), ("/careers", 3), ("/contact", 6)]
TRACK_NAMES = [("cta_click", 50), ("download", 20), ("video_play", 20), ("email_open", 10)]
FIRST = ["Ali", "Mohammad", "Zahra", "Fatemeh", "Maryam", "Reza", "Sara", "Hossein", "Negar", "James", "Emma", "Liam"]
LAST = ["Rezaei", "Mohammadi", "Hosseini", "Ahmadi", "Karimi", "Mousavi", "Smith", "Schmidt", "Kaya", "Haddad"]
TITLES = ["مدیر فروش", "مدیر بازاریابی", "Head of Marketing", "Sales Manager", "CEO", "کارشناس خرید", "Developer", "Analyst"]
FREE_MAIL = ["gmail.com", "yahoo.com"]
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
SITE_ORIGIN = "https://www.example.ir"


def chooser(rng: random.Random, table: list[tuple[str, int]]):
    values = [v for v, _ in table]
    weights = [w for _, w in table]
    cum = [sum(weights[: i + 1]) for i in range(len(weights))]

    def pick() -> str:
        return rng.choices(values, cum_weights=cum)[0]

    return pick


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


# ---------------------------------------------------------------- population


def setup_django(db: BenchDatabase) -> None:
    os.environ.update(db.env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "sarnakh.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


class Writer:
    """Rows into one table: COPY on PostgreSQL, executemany in 50,000-row transactions on SQLite."""

    def __init__(self, table: str, columns: list[str]):
        from django.db import connection

        self.table, self.columns, self.vendor = table, columns, connection.vendor
        self.rows: list[tuple] = []
        self.count = 0
        connection.ensure_connection()
        self.raw = connection.connection
        if self.vendor == "postgresql":
            self.cursor = self.raw.cursor()
            self.copy_cm = self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
            self.copy = self.copy_cm.__enter__()
        else:
            # The bench's rows are consistent by construction; with SQLite's deferred foreign
            # keys on, each parent insert looks for children in every referring table.
            self.raw.execute("PRAGMA foreign_keys=OFF")
            self.raw.execute("PRAGMA cache_size=-512000")
            # Secondary indexes are built once at the end (a sorted build), not row by row.
            self.indexes = self.raw.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", (table,)
            ).fetchall()
            for name, _sql in self.indexes:
                self.raw.execute(f'DROP INDEX "{name}"')
            self.sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"

    def add(self, row: tuple) -> None:
        self.count += 1
        if self.vendor == "postgresql":
            self.copy.write_row(row)
            return
        self.rows.append(row)
        if len(self.rows) >= 50_000:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.raw.execute("BEGIN")
            self.raw.executemany(self.sql, self.rows)
            self.raw.execute("COMMIT")
            self.rows = []

    def close(self) -> None:
        if self.vendor == "postgresql":
            self.copy_cm.__exit__(None, None, None)
            self.raw.commit()
            self.cursor.close()
        else:
            self._flush()
            for _name, sql in self.indexes:
                self.raw.execute(sql)
            self.raw.execute("PRAGMA foreign_keys=ON")
            self.raw.execute("PRAGMA cache_size=-64000")


def when(value: dt.datetime, vendor: str):
    # SQLite: Django's stored form (naive UTC text); PostgreSQL: the aware datetime.
    return value if vendor == "postgresql" else value.replace(tzinfo=None).isoformat(sep=" ")


def bump_sequence(table: str) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _filled() -> set[str]:
    """Tables a killed fill already committed (`--resume` carries on after them)."""
    from django.db import connection

    filled = set()
    with connection.cursor() as cursor:
        for table in ("contacts_contact", "tracking_event"):
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                filled.add(table)
    return filled


def populate(contacts: int, events: int, seed: int, now: dt.datetime) -> dict[str, float]:
    from django.db import connection

    from sarnakh.scoring.models import ContactScore
    from sarnakh.scoring.services import contact_score_refresh
    from sarnakh.tracking.models import Site

    vendor = connection.vendor
    rng = random.Random(seed)
    took: dict[str, float] = {}
    began = time.perf_counter()
    stage, consent = chooser(rng, STAGES), chooser(rng, CONSENT)
    cols = ["id", "first_name", "last_name", "email", "phone", "job_title", "country", "city", "language", "time_zone",
            "lead_status", "source_type", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
            "referrer", "landing_page", "consent", "consent_at", "consent_method", "properties", "search_text",
            "created_at", "updated_at", "stage"]
    filled = _filled()
    writer = Writer("contacts_contact", cols) if "contacts_contact" not in filled else None
    for cid in range(1, contacts + 1 if writer else 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        domain = f"company{rng.randrange(5000)}.example" if rng.random() < 0.8 else rng.choice(FREE_MAIL)
        created = now - dt.timedelta(seconds=rng.randrange(730 * 86400))
        c = consent()
        writer.add((
            cid, first, last, f"{first}.{last}.{cid}@{domain}".lower(), "", rng.choice(TITLES), "IR", "", "", "",
            "new", "inbound", "organic_search", "", "", "", "", "", "", "", c,
            when(created, vendor) if c != "not_asked" else None, "", "{}", "", when(created, vendor), when(created, vendor),
            stage(),
        ))
    if writer:
        writer.close()
        bump_sequence("contacts_contact")
    took["contacts"] = time.perf_counter() - began

    began = time.perf_counter()
    now_site = Site.objects.filter(key="bench-site-key").first() or Site.objects.create(
        name="Bench", key="bench-site-key", allowed_origins=[SITE_ORIGIN], is_active=True, created_at=now, updated_at=now)
    source = f"s{now_site.pk}"
    # Shuffled ranks with a skew: rank r gets a share ∝ r^(-2/3) of the events (u³ sampling).
    step = 7919 if math.gcd(7919, contacts) == 1 else 7907
    path_pick, track_pick = chooser(rng, PATHS), chooser(rng, TRACK_NAMES)
    cols = ["source", "event_id", "site_id", "type", "name", "visitor_id", "occurred_at", "received_at", "url", "path",
            "title", "referrer", "label", "properties", "context", "processed_at", "is_bot", "bot_reason", "error",
            "contact_id"]
    writer = Writer("tracking_event", cols) if "tracking_event" not in filled else None
    span = 90 * 86400
    for n in range(events if writer else 0):
        kind = rng.random()
        rank = int(contacts * rng.random() ** 3)
        cid = (rank * step) % contacts + 1
        who = rng.random()
        is_bot = who >= 0.95
        contact = cid if who < 0.62 or (is_bot and who >= 0.975) else None
        visitor = f"v{cid}" if contact else f"a{rng.randrange(events)}"
        # In time order, as the intake stores them (the table's physical order follows time).
        at = now - dt.timedelta(seconds=span * (1 - (n + rng.random()) / events))
        if kind < 0.8:
            path = path_pick()
            if path == "BLOG":
                path = rng.choice(BLOG)
            row_type, name = "page_view", ""
        else:
            path, row_type, name = "", "track", track_pick()
        stamp = when(at, vendor)
        writer.add((
            source, f"b{n}", now_site.pk, row_type, name, visitor, stamp, stamp, SITE_ORIGIN + path if path else "",
            path, "", "", "", "{}", "{}", stamp, is_bot if vendor == "postgresql" else int(is_bot),
            "user_agent" if is_bot else "", "", contact,
        ))
    if writer:
        writer.close()
        bump_sequence("tracking_event")
    took["events"] = time.perf_counter() - began

    # Scores: one real score (for the breakdown's shape and size), then every contact's row.
    began = time.perf_counter()
    # A typical contact (the median activity rank, a few events): the busiest ones' breakdowns
    # list thousands of events.
    typical = (contacts // 2 * step) % contacts + 1
    real = contact_score_refresh(contact_id=typical)
    breakdown = json.dumps(real[0].breakdown, ensure_ascii=False)
    version_id, model_id = real[0].version_id, real[0].model_id
    ContactScore.objects.filter(contact_id=typical).delete()
    took["breakdown bytes"] = len(breakdown.encode())
    cols = ["fit", "grade", "engagement", "score", "qualified", "qualified_since", "below_bar", "breakdown",
            "computed_at", "contact_id", "model_id", "version_id"]
    writer = Writer("scoring_contactscore", cols)
    stamp = when(now, vendor)
    grade = chooser(rng, GRADES)
    for cid in range(1, contacts + 1):
        g = grade()
        low, high = FIT_BAND[g]
        fit = rng.randint(low, high)
        engagement = rng.randint(0, 120)
        qualified = g in "AB" and engagement >= 60
        writer.add((fit, g, engagement, fit + engagement, qualified if vendor == "postgresql" else int(qualified),
                    stamp if qualified else None, False if vendor == "postgresql" else 0, breakdown, stamp, cid,
                    model_id, version_id))
    writer.close()
    took["scores"] = time.perf_counter() - began

    began = time.perf_counter()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    took["analyze"] = time.perf_counter() - began
    return took


# ---------------------------------------------------------------- measuring


def timed(fn, repeat: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def row(label: str, times: list[float], note: str = "") -> None:
    median = statistics.median(times)
    print(f"{label:<26} {median:10.1f} {min(times):10.1f} {max(times):10.1f} {len(times):>4}  {note}  [{load_line()}]",
          flush=True)


def explain(label: str, queryset) -> None:
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        lines = [" ".join(str(c) for c in r) for r in cursor.fetchall()]
    print(f"\n--- plan: {label}\n" + "\n".join(lines) + "\n", flush=True)


def pick_one_short(count: int) -> list[tuple[int, str]]:
    """Contacts one pricing view short of the segment whose real fit grade (re-scored now,
    as the scoring subscriber will on their next event) is still B or better; each gets a
    visitor linked as the tracker's identify would."""
    from sarnakh.core.filters.compile import matching_contacts
    from sarnakh.scoring.services import contact_score_refresh
    from sarnakh.tracking import identity

    picked: list[tuple[int, str]] = []
    candidates = list(matching_contacts(ONE_SHORT).order_by("pk").values_list("pk", flat=True)[: count * 20])
    for cid in candidates:
        if len(picked) == count:
            break
        scores = contact_score_refresh(contact_id=cid)
        if not scores or scores[0].grade not in ("A", "B"):
            continue
        if not matching_contacts(ONE_SHORT).filter(pk=cid).exists():
            continue
        visitor = f"v{cid}"
        identity.visitor_link(visitor_id=visitor, contact_id=cid, via="identify", at=time_now())
        picked.append((cid, visitor))
    return picked


def time_now() -> dt.datetime:
    from sarnakh.core import clock

    return clock.now()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, help="default: 1,000,000 on PostgreSQL, 100,000 on SQLite")
    parser.add_argument("--events", type=int, help="default: 10 per contact")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--incremental", type=int, default=20, help="contacts for the event→member latency")
    parser.add_argument("--seed", type=int, default=1404)
    parser.add_argument("--explain", action="store_true", help="print the query plans (EXPLAIN ANALYZE / QUERY PLAN)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database afterwards (SQLite: in /tmp/sarnakh_bench_segments_sqlite)")
    parser.add_argument("--resume", action="store_true",
                        help="finish the fill of a kept database whose contacts and events were committed")
    parser.add_argument("--reuse", action="store_true",
                        help="measure on the database a --keep run left (migrated again, not refilled)")
    args = parser.parse_args()
    contacts = args.contacts or (1_000_000 if args.db == "postgres" else 100_000)
    events = args.events if args.events is not None else contacts * 10

    db = BenchDatabase(args.db, "sarnakh_bench_segments")
    if args.resume:
        args.keep = True
    if args.keep or args.reuse:
        import shutil

        shutil.rmtree(db.home, ignore_errors=True)
        db.home = Path("/tmp/sarnakh_bench_segments_sqlite")
        db.home.mkdir(exist_ok=True)
    if not (args.reuse or args.resume):
        if args.db == "sqlite":
            for stale in db.home.glob("*.sqlite3*"):
                stale.unlink()
        db.create()
    try:
        setup_django(db)
        from django.db import connection

        from sarnakh.core.filters.compile import matching_contacts, parse_filter
        from sarnakh.segments import services
        from sarnakh.segments.models import SegmentMembership, SegmentMembershipChange
        from sarnakh.tracking import ingest, processor

        now = time_now()
        print(f"{db.versions()}, nproc {os.cpu_count()}, {load_line()}; filling {contacts:,} contacts, {events:,} events …",
              flush=True)
        from sarnakh.segments.models import Segment

        if args.reuse:
            Segment.objects.all().delete()
            took = {}
        else:
            took = populate(contacts, events, args.seed, now)
        print("filled in " + ", ".join(f"{k} {v:.0f}" + ("" if "bytes" in k else " s") for k, v in took.items()) + f"  [{load_line()}]", flush=True)

        tree = parse_filter(SEGMENT)
        print(f"\n{'measurement':<26} {'median ms':>10} {'min':>10} {'max':>10} {'runs':>4}")

        def count() -> int:
            return matching_contacts(parse_filter(SEGMENT)).count()

        times, matched = timed(count, args.repeat)
        row("count", times, f"{matched:,} match")

        def preview() -> tuple[int, list]:
            people = matching_contacts(parse_filter(SEGMENT))
            return people.count(), list(people.order_by("-pk").values("pk", "email", "first_name", "last_name")[:10])

        times, (_n, sample) = timed(preview, args.repeat)
        row("preview, count + sample", times, f"{len(sample)} sample rows, two queries")
        try:
            from sarnakh.segments.selectors import live_preview
        except ImportError:  # before the one-query preview existed
            live_preview = None
        if live_preview is not None:
            times, (total, sample) = timed(lambda: live_preview(SEGMENT, sample=10), args.repeat)
            row("preview, live_preview", times, f"{total:,} and {len(sample)} sample rows, one query")

        segment = services.segment_create(name="Pricing twice, B+, not unsubscribed", filter=SEGMENT, refresh=False)
        rebuilds = []
        for _ in range(max(1, args.repeat // 2 + 1)):
            SegmentMembershipChange.objects.filter(segment=segment).delete()
            SegmentMembership.objects.filter(segment=segment).delete()
            began = time.perf_counter()
            entered, left = services.segment_refresh(segment_id=segment.pk)
            rebuilds.append((time.perf_counter() - began) * 1000)
        row("rebuild from empty", rebuilds, f"{entered:,} entered")
        times, (entered, left) = timed(lambda: services.segment_refresh(segment_id=segment.pk), max(1, args.repeat // 2 + 1))
        row("rebuild, no change", times, f"{entered} entered, {left} left")

        if args.explain:
            explain("count", matching_contacts(tree).order_by().values("pk"))
            # What segment_refresh reads: the matching ids in order (merged with the stored ones).
            explain("refresh: matching ids in order", matching_contacts(tree).order_by("pk").values("pk"))
            one = matching_contacts(tree).values_list("pk", flat=True).first() or 1
            try:
                limited = matching_contacts(tree, among=[one])
            except TypeError:  # before filters could be limited to a few contacts
                limited = matching_contacts(tree).filter(pk__in=[one])
            explain("re-evaluate one contact", limited.order_by().values("pk"))

        picked = pick_one_short(args.incremental)
        latencies, intake, joined = [], [], 0
        sender = ingest.Sender(site=ingest.site_for_key("bench-site-key"))
        for n, (cid, visitor) in enumerate(picked):
            data = {"site_key": "bench-site-key", "events": [
                {"id": f"inc-{int(time.time())}-{n}", "type": "page_view", "visitor_id": visitor, "url": SITE_ORIGIN + "/pricing"}]}
            began = time.perf_counter()
            result = ingest.batch_receive(data=data, sender=sender, request_meta={"user_agent": CHROME, "origin": SITE_ORIGIN})
            stored_at = time.perf_counter()
            assert result.accepted == 1, result.as_dict()
            while processor.process_pending_events():  # what the woken processor thread does
                pass
            member = SegmentMembership.objects.filter(segment=segment, contact_id=cid).exists()
            latencies.append((time.perf_counter() - began) * 1000)
            intake.append((stored_at - began) * 1000)
            joined += member
        if latencies:
            print(f"{'event → member':<26} {statistics.median(latencies):10.1f} {min(latencies):10.1f} {max(latencies):10.1f} "
                  f"{len(latencies):>4}  p95 {percentile(latencies, 95):.1f} ms, intake p50 {statistics.median(intake):.1f} ms; "
                  f"{joined}/{len(latencies)} joined  [{load_line()}]", flush=True)
        else:
            print("event → member: no contact one view short of the segment (data too small)")
        connection.close()
        if args.keep:
            print(f"kept: {db.url or db.home}")
    finally:
        if not (args.keep or args.reuse):
            db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
