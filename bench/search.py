"""Contact search latency at 100,000 contacts, the way the UI and the API search.

    .venv/bin/python bench/search.py --db sqlite
    .venv/bin/python bench/search.py --db postgres --contacts 100000

Loads the contacts with bulk_create (search_text computed by the real
`contact_search_text`) into a fresh database (SQLite in a temp home, or a PostgreSQL
database `sarnakh_bench_search` created and dropped), then times for each query:
  ui    - what the contacts page does: Paginator count + first page of 50, newest first
  page  - selectors.contact_page_by_cursor (the API's query), first page of 50
  api   - GET /api/v1/contacts?q=… through Django's full request stack (in-process client)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (  # noqa: E402
    ENGLISH_FIRST,
    ENGLISH_LAST,
    PERSIAN_FIRST,
    PERSIAN_LAST,
    TITLES,
    BenchDatabase,
    summary,
)

QUERIES = [
    ("Persian first name (common)", "علی"),
    ("Persian full name typed with Arabic letters", "علي رضايي"),
    ("Persian surname with ZWNJ", "نیک‌نام"),
    ("English surname", "schmidt"),
    ("email fragment", "ali.rezaei1"),
    ("phone fragment (national, Persian digits)", "۰۹۱۲۳۴"),
    ("phone fragment (international)", "98935"),
    ("company", "نوین پرداز"),
    ("job title", "مدیر فروش"),
    ("no match (full scan)", "zzqxv"),
]
COMPANY_HEADS = ["پارس", "آریا", "نوین", "سپهر", "البرز", "کاوش", "رایان", "Atlas", "Nova", "Blue", "Vertex", "Summit"]
COMPANY_TAILS = ["داده", "پرداز", "تجارت", "سیستم", "گستر", "Analytics", "Logistics", "Systems", "Foods"]
PREFIXES = ["912", "919", "935", "936", "901", "910", "921", "990", "937", "917"]


def setup_django(db: BenchDatabase) -> None:
    os.environ.update(db.env())
    os.environ["DJANGO_SETTINGS_MODULE"] = "sarnakh.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load(count: int, seed: int) -> float:
    from django.db import transaction

    from sarnakh.contacts.models import Company, Contact
    from sarnakh.contacts.search import company_search_text, contact_search_text

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    began = time.perf_counter()
    companies = []
    for n in range(2000):
        name = f"{rng.choice(COMPANY_HEADS)} {rng.choice(COMPANY_TAILS)} {n}"
        company = Company(name=name, domain=f"company{n}.example", created_at=now, updated_at=now)
        company.search_text = company_search_text(company)
        companies.append(company)
    with transaction.atomic():
        Company.objects.bulk_create(companies, batch_size=1000)
    batch = []
    for n in range(count):
        if rng.random() < 0.7:
            (first, first_latin), (last, last_latin) = rng.choice(PERSIAN_FIRST), rng.choice(PERSIAN_LAST)
        else:
            first = first_latin = rng.choice(ENGLISH_FIRST)
            last = last_latin = rng.choice(ENGLISH_LAST)
        company = rng.choice(companies) if rng.random() < 0.8 else None
        domain = company.domain if company else rng.choice(["gmail.com", "yahoo.com"])
        contact = Contact(
            first_name=first,
            last_name=last,
            email=f"{first_latin}.{last_latin}{n}@{domain}".lower(),
            phone=f"+98{rng.choice(PREFIXES)}{rng.randrange(10_000_000):07d}" if rng.random() < 0.8 else "",
            company=company,
            job_title=rng.choice(TITLES),
            stage_id="lead",
            created_at=now,
            updated_at=now,
        )
        contact.search_text = contact_search_text(contact)
        batch.append(contact)
        if len(batch) == 5000:
            with transaction.atomic():
                Contact.objects.bulk_create(batch, batch_size=1000)
            batch = []
    if batch:
        with transaction.atomic():
            Contact.objects.bulk_create(batch, batch_size=1000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - began


def timed(fn, repeat: int) -> tuple[list[float], object]:
    result = fn()  # warm
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - began) * 1000)
    return times, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--explain", action="store_true", help="print the query plan of each search")
    parser.add_argument("--keep", action="store_true", help="keep the database (prints where it is)")
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench_search").create()
    try:
        setup_django(db)
        seconds = load(args.contacts, args.seed)
        from django.core.paginator import Paginator
        from django.db import connection
        from django.test import Client

        from sarnakh.contacts import selectors
        from sarnakh.contacts.selectors import ContactFilters
        from sarnakh.core.apikeys import apikey_create

        print(f"{db.versions()}: loaded {args.contacts:,} contacts in {seconds:.1f} s")
        key = apikey_create(name="bench", scope="read").raw_key
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        print(f"{'query':<46} {'hits':>7} | {'ui p50':>7} {'ui p95':>7} | {'page p50':>8} {'page p95':>8} | {'api p50':>7} {'api p95':>7}  (ms)")
        for label, query in QUERIES:
            filters = ContactFilters(q=query)

            def ui(filters=filters):
                qs = selectors.with_relations(selectors.contact_queryset(filters).order_by("-id"))
                page = Paginator(qs, 50).get_page(1)
                return page.paginator.count, list(page.object_list)

            def page(filters=filters):
                return selectors.contact_page_by_cursor(filters, after_id=None, limit=50)

            def api(query=query):
                response = client.get("/api/v1/contacts", {"q": query, "limit": 50})
                assert response.status_code == 200, response.content
                return response

            ui_times, (hits, _rows) = timed(ui, args.repeat)
            page_times, _ = timed(page, args.repeat)
            api_times, _ = timed(api, args.repeat)
            u, p, a = summary(ui_times), summary(page_times), summary(api_times)
            print(
                f"{label + ' «' + query + '»':<46} {hits:>7} | {u['p50']:7.1f} {u['p95']:7.1f} | {p['p50']:8.1f} {p['p95']:8.1f} | {a['p50']:7.1f} {a['p95']:7.1f}",
                flush=True,
            )
            if args.explain:
                sql, params = selectors.contact_queryset(filters).order_by("-id")[:51].query.sql_with_params()
                with connection.cursor() as cursor:
                    cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE ") + sql, params)
                    for row in cursor.fetchall():
                        print("    ", " ".join(str(c) for c in row))
        connection.close()
    finally:
        if args.keep:
            print("kept:", db.home, db.url)
        else:
            db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
