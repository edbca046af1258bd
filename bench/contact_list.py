"""The contacts list at 100,000 contacts: each order of the staff page and the API's total.

    .venv/bin/python bench/contact_list.py --db postgres --contacts 100000
    .venv/bin/python bench/contact_list.py --db sqlite

Loads the contacts the way bench/search.py does, spreads their creation dates over two
years (so ordering by the Created column is real work, not a tie on one instant), scores
them all with the default model (set-based re-score), then times:
  page   - what the contacts page does for one order: Paginator count + first page of 25,
           with the score and grade columns
  api    - GET /api/v1/contacts?limit=50 (newest by id, with `total`), through Django's stack
  count  - the API's `total` alone (selectors.contact_count)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BenchDatabase, summary  # noqa: E402
from search import load, setup_django, timed  # noqa: E402

# "by id" is what "newest" was before it followed the Created column: the baseline.
ORDERS = ["by id", "newest", "oldest", "name", "stage", "score_high", "score_low", "grade_best"]
FILTERS = [("no filter", {}), ("stage = lead", {"stage": "lead"}), ("search «علی»", {"q": "علی"})]


def spread_creation_dates(days: int = 730) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE contacts_contact SET created_at = now() - random() * interval '{days} days'")
        else:
            cursor.execute(f"UPDATE contacts_contact SET created_at = datetime('now', '-' || (abs(random()) % {days * 86400}) || ' seconds')")
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1403)
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench_contact_list").create()
    try:
        setup_django(db)
        loaded = load(args.contacts, args.seed)
        spread_creation_dates()
        from django.core.paginator import Paginator
        from django.db import connection
        from django.test import Client

        from sarnakh.contacts import selectors
        from sarnakh.contacts.views import _list_sorts
        from sarnakh.core.apikeys import apikey_create
        from sarnakh.core.contact_list import with_list_columns
        from sarnakh.scoring.services import contacts_rescore_all

        began = time.perf_counter()
        scored = contacts_rescore_all()
        print(f"{db.versions()}: loaded {args.contacts:,} contacts in {loaded:.1f} s, scored {scored:,} in {time.perf_counter() - began:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        sorts = _list_sorts()
        print(f"{'filter':<16} {'order':<12} {'matches':>8} | {'page p50':>8} {'page p95':>8}  (ms)")
        for label, values in FILTERS:
            filters = selectors.ContactFilters(**values)
            for order in ORDERS:
                def page(filters=filters, order=order):
                    order_by = sorts[order][1] if order in sorts else ("-id",)
                    qs = selectors.with_relations(with_list_columns(selectors.contact_queryset(filters)).order_by(*order_by))
                    shown = Paginator(qs, 25).get_page(1)
                    return shown.paginator.count, list(shown.object_list)

                times, (count, _rows) = timed(page, args.repeat)
                s = summary(times)
                print(f"{label:<16} {order:<12} {count:>8} | {s['p50']:8.1f} {s['p95']:8.1f}", flush=True)
        key = apikey_create(name="bench", scope="read").raw_key
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        print(f"\n{'API filter':<16} {'total':>8} | {'api p50':>7} {'api p95':>7} | {'count p50':>9} {'count p95':>9}  (ms)")
        for label, values in FILTERS:
            filters = selectors.ContactFilters(**values)

            def api(values=values):
                response = client.get("/api/v1/contacts", {**values, "limit": 50})
                assert response.status_code == 200, response.content
                return response.json()["total"]

            api_times, total = timed(api, args.repeat)
            count_times, _ = timed(lambda filters=filters: selectors.contact_count(filters), args.repeat)
            a, c = summary(api_times), summary(count_times)
            print(f"{label:<16} {total:>8} | {a['p50']:7.1f} {a['p95']:7.1f} | {c['p50']:9.1f} {c['p95']:9.1f}", flush=True)
        connection.close()
    finally:
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
