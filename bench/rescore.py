"""Full re-score after a rule change, set-based: time and memory at scale.

Generates N contacts (80% with a company, titles, emails, some BANT answers) and M
tracked events (page views of pricing, blog, docs, careers…, and custom events such as
demo_requested, email_open, unsubscribed) spread over 180 days, with SQL (generate_series
on PostgreSQL, a recursive CTE on SQLite), then times:
1. the first re-score with the shipped default model (inserts every contact's score);
2. the re-score after a rule change (pricing worth 30 instead of 15: updates and history);
and checks 300 random contacts against the engine (`score_contact`).

    python bench/rescore.py --db postgres --contacts 1000000 --events 10000000
    python bench/rescore.py --db sqlite --contacts 100000 --events 1000000

Memory: the peak resident size of this process (Python side: masks, ids, the walk of
period caps), and on PostgreSQL the temp files the run's queries wrote.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BenchDatabase  # noqa: E402
from search import setup_django  # noqa: E402

PATHS = ["/pricing", "/pricing/team", "/blog/post-1", "/blog/post-2", "/blog/post-3", "/docs/start", "/careers", "/", "/features", "/case-studies/acme"]
NAMES = ["demo_requested", "email_open", "email_click", "download", "form_submitted", "unsubscribed", "email_bounced", "webinar_joined"]
TITLES = ["Sales Manager", "مدیر فروش", "Head of Marketing", "Intern", "CEO", "کارشناس خرید", "Director of IT", ""]


def _pick(options: list[str], hashed: str) -> str:
    whens = " ".join(f"WHEN {i} THEN '{value}'" for i, value in enumerate(options))
    return f"(CASE ({hashed}) % {len(options)} {whens} END)"


def _insert_generated(table, count: int, exprs: dict[str, str], postgres: bool, chunk: int = 1_000_000) -> None:
    """INSERT … SELECT over generated n = 1..count, in chunks, every column of `table`
    given: `exprs` for the interesting ones, the field default for the rest."""
    from django.db import connection, transaction

    columns, values = [], []
    for field in table._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            values.append(exprs[field.name])
        elif field.null:
            values.append("NULL")
        else:
            default = field.get_default()
            if isinstance(default, dict | list):
                values.append("'" + json.dumps(default) + "'" + ("::jsonb" if postgres else ""))
            elif isinstance(default, bool):
                values.append("TRUE" if default and postgres else "FALSE" if postgres else str(int(default)))
            elif isinstance(default, int | float):
                values.append(str(default))
            else:
                values.append("'" + str(default).replace("'", "''") + "'")
    for start in range(0, count, chunk):
        low, high = start + 1, min(count, start + chunk)
        if postgres:
            source = f"generate_series({low}::bigint, {high}::bigint) AS g(n)"
            sql = f"INSERT INTO {connection.ops.quote_name(table._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
        else:
            sql = (
                f"INSERT INTO {connection.ops.quote_name(table._meta.db_table)} ({', '.join(columns)}) "
                f"WITH RECURSIVE g(n) AS (SELECT {low} UNION ALL SELECT n + 1 FROM g WHERE n < {high}) "
                f"SELECT {', '.join(values)} FROM g"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        print(f"  {table.__name__}: {high:,} rows", flush=True)


def generate(contacts: int, events: int, seed: int) -> float:
    from django.db import connection

    from sarnakh.contacts.models import Company, Contact
    from sarnakh.tracking.models import Event

    postgres = connection.vendor == "postgresql"
    rng = random.Random(seed)
    began = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    companies = [
        Company(name=f"Company {n}", domain=f"company{n}.example", employee_band=rng.choice(["1-10", "11-50", "51-200", "201-500", "1001-5000"]),
                created_at=now, updated_at=now)
        for n in range(1000)
    ]
    Company.objects.bulk_create(companies, batch_size=1000)
    first_company = Company.objects.order_by("pk").values_list("pk", flat=True).first()
    h = "((n * 2654435761) % 1000003)"
    now_sql = "now()" if postgres else "datetime('now')"
    bant = (
        "(CASE WHEN n % 4 = 0 THEN '{\"bant_budget\": true, \"bant_need\": true}' ELSE '{}' END)"
        + ("::jsonb" if postgres else "")
    )
    _insert_generated(Contact, contacts, {
        "email": "'p' || n || '@' || (CASE WHEN n % 3 = 0 THEN 'gmail.com' ELSE 'company' || (n % 1000) || '.example' END)",
        "job_title": _pick(TITLES, h),
        "company": f"(CASE WHEN n % 5 <> 0 THEN {first_company} + (n % 1000) END)",
        "stage": "'lead'",
        "properties": bant,
        "search_text": "'p' || n",
        "created_at": now_sql,
        "updated_at": now_sql,
    }, postgres)
    first_contact = Contact.objects.order_by("pk").values_list("pk", flat=True).first()
    span = 180 * 86_400
    age = f"(((n * 7919) % {span}) + (n % 7))"
    at = f"({now_sql} - make_interval(secs => {age}))" if postgres else f"datetime('now', '-' || {age} || ' seconds')"
    is_track = "((n * 31) % 10 < 2)"
    _insert_generated(Event, events, {
        "source": "'bench'",
        "event_id": "'e' || n",
        "type": f"(CASE WHEN {is_track} THEN 'track' ELSE 'page_view' END)",
        "name": f"(CASE WHEN {is_track} THEN {_pick(NAMES, '(n * 13) % 1000003')} ELSE '' END)",
        "path": f"(CASE WHEN {is_track} THEN '' ELSE {_pick(PATHS, h)} END)",
        "url": f"(CASE WHEN {is_track} THEN '' ELSE 'https://www.example.com' || {_pick(PATHS, h)} END)",
        "occurred_at": at,
        "received_at": at,
        "processed_at": at,
        "contact": f"({first_contact} + ((n * 104729) % {contacts}))",
    }, postgres)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


def _temp_bytes() -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def timed_rescore(model, batch: int | None = None) -> dict:
    from sarnakh.scoring import bulk

    before_temp = _temp_bytes()
    began = time.perf_counter()
    marks = []
    outcome = bulk.rescore_model(model, batch=batch, progress=lambda done, total, phase: marks.append((round(time.perf_counter() - began, 1), done)))
    seconds = time.perf_counter() - began
    print("  steps (s):", {step: round(value, 1) for step, value in (outcome.timings or {}).items()}, flush=True)
    return {
        "seconds": round(seconds, 1), "contacts": outcome.total, "changed": outcome.changed, "crossed": outcome.crossed,
        "progress_marks": len(marks), "temp_mb": round((_temp_bytes() - before_temp) / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def check_sample(model, sample: int, seed: int) -> int:
    from sarnakh.scoring import facts_loader
    from sarnakh.scoring.engine import score_contact
    from sarnakh.scoring.models import ContactScore
    from sarnakh.scoring.services import version_spec

    rng = random.Random(seed)
    ids = list(ContactScore.objects.filter(model=model).values_list("contact_id", flat=True))
    chosen = rng.sample(ids, min(sample, len(ids)))
    spec = version_spec(model.current_version)
    stored = {r.contact_id: r for r in ContactScore.objects.filter(model=model, contact_id__in=chosen)}
    mismatches = 0
    for contact_id, facts in facts_loader.facts_for_ids(chosen).items():
        row = stored[contact_id]
        result = score_contact(spec, facts.person, facts.events, row.computed_at, tz=facts_loader.account_tz())
        if (result.fit, result.engagement, result.grade, result.qualified) != (row.fit, row.engagement, row.grade, row.qualified):
            mismatches += 1
    return mismatches


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--batch", type=int, default=None, help="contacts per write batch (default: the product's)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (PostgreSQL: sarnakh_bench_rescore)")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept PostgreSQL database instead of generating")
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench_rescore")
    if not args.reuse:
        db.create()
    try:
        setup_django(db)
        from sarnakh.contacts.models import Contact
        from sarnakh.scoring import services
        from sarnakh.scoring.engine import default_model_dict
        from sarnakh.scoring.models import (
            ContactScore,
            ScoreHistory,
            ScoringModel,
            ScoringModelVersion,
        )

        print(f"{db.versions()}, Python {platform.python_version()}, {platform.machine()}")
        if args.reuse and Contact.objects.exists():
            ContactScore.objects.all().delete()
            ScoreHistory.objects.all().delete()
            model = ScoringModel.objects.get(is_default=True)
            ScoringModelVersion.objects.filter(model=model, number__gt=1).delete()
            model.current_version = ScoringModelVersion.objects.get(model=model, number=1)
            model.save(update_fields=["current_version"])
            print(f"reusing {Contact.objects.count():,} contacts", flush=True)
        else:
            print(f"generating {args.contacts:,} contacts and {args.events:,} events…", flush=True)
            print(f"generated in {generate(args.contacts, args.events, args.seed):.1f} s", flush=True)
        model = ScoringModel.objects.get(is_default=True)
        first = timed_rescore(model, args.batch)
        print("first re-score (inserts):", first, flush=True)
        draft = default_model_dict()
        draft["engagement_rules"][0]["points"] = 30
        services.scoring_model_save(key=model.key, spec_dict=draft, note="bench: pricing 30")
        model.refresh_from_db()
        second = timed_rescore(model, args.batch)
        print("re-score after a rule change (updates):", second, flush=True)
        print("sample of 300 contacts against the engine, mismatches:", check_sample(model, 300, args.seed))
    finally:
        if not args.keep:
            db.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
