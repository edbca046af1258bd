"""Public form submissions over HTTP against a real `sarnakh serve` (waitress).

    .venv/bin/python bench/form_submissions.py --db sqlite
    .venv/bin/python bench/form_submissions.py --db postgres --requests 3000 --clients 8,16

Starts the server on a fresh database (SQLite in a temp home, or a PostgreSQL database
`sarnakh_bench_forms` created and dropped here), creates a form over the API, then POSTs
distinct realistic JSON submissions to /api/v1/forms/{slug}/submissions from N concurrent
clients (threads with keep-alive connections, no API key). Rate limits are raised for the
run (all clients share 127.0.0.1). After each phase it counts the stored rows (every 201
must be a row) and waits until the background worker has turned them into contacts,
reporting how long that took.

`--worker embedded` (default) runs processing inside the server, as `sarnakh serve` does
out of the box; `--worker separate` runs `sarnakh serve --no-worker` plus one `sarnakh
worker` process; `--worker none` measures intake alone and processes afterwards.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PERSIAN_FIRST, PERSIAN_LAST, SARNAKH, BenchDatabase, contact_payload, http_load  # noqa: E402
from api_upsert import free_port, wait_healthy  # noqa: E402

SLUG = "bench-demo"
FORM = {
    "name": "Demo request", "slug": SLUG, "consent_enabled": True, "consent_text": {"en": "Email me", "fa": "برایم ایمیل بفرست"},
    "notify_emails": [],
    "fields": [
        {"name": "email", "label": {"en": "Email", "fa": "ایمیل"}, "type": "email", "required": True, "property": "email"},
        {"name": "first_name", "label": {"en": "First name", "fa": "نام"}, "type": "text", "property": "first_name"},
        {"name": "last_name", "label": {"en": "Last name", "fa": "نام خانوادگی"}, "type": "text", "property": "last_name"},
        {"name": "phone", "label": {"en": "Phone", "fa": "تلفن"}, "type": "phone", "property": "phone"},
        {"name": "company", "label": {"en": "Company", "fa": "شرکت"}, "type": "text", "property": "company.name"},
        {"name": "seats", "label": {"en": "Seats", "fa": "تعداد کاربر"}, "type": "number"},
        {"name": "message", "label": {"en": "Message", "fa": "پیام"}, "type": "textarea", "max_length": 2000},
    ],
}


def submission(rng: random.Random, serial: int, run: str) -> dict:
    person = contact_payload(rng, serial, run=run)
    return {
        "fields": {
            "email": person["email"], "first_name": person["first_name"], "last_name": person["last_name"], "phone": person["phone"],
            "company": person["company"], "seats": str(rng.randint(1, 500)),
            "message": f"{rng.choice(PERSIAN_FIRST)[0]} {rng.choice(PERSIAN_LAST)[0]}: لطفا برای دمو تماس بگیرید.",
        },
        "context": {
            "visitor_id": f"v-{run}-{serial}", "page_url": "https://www.example.ir/pricing?utm_source=google&utm_medium=cpc&utm_campaign=bench",
            "referrer": "https://www.google.com/",
        },
        "consent": rng.random() < 0.6,
    }


def run_phase(ports: list[int], key: str, payloads: list[dict], clients: int, *, path: str) -> dict:
    return http_load(ports, key, payloads, clients, method="POST", path=path)


def count(db: BenchDatabase, sql: str) -> int:
    if db.kind == "postgres":
        import psycopg

        with psycopg.connect(db.url) as conn:
            return conn.execute(sql).fetchone()[0]
    with sqlite3.connect(db.home / "sarnakh.sqlite3", timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def start_server(db: BenchDatabase, port: int, threads: int, *, worker: bool, log_name: str) -> subprocess.Popen:
    log = open(db.home / log_name, "w")  # noqa: SIM115 (closed with the process)
    args = [str(SARNAKH), "serve", "--port", str(port), "--threads", str(threads)] + ([] if worker else ["--no-worker"])
    env = db.env(SARNAKH_FORM_RATE_PER_IP="1000000000", SARNAKH_FORM_RATE_PER_FORM="1000000000")
    return subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=3000, help="submissions per phase")
    parser.add_argument("--clients", default="1,8,16", help="comma-separated client counts, one phase each")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--servers", type=int, default=1, help="`sarnakh serve` processes (PostgreSQL scale-out); clients spread over them")
    parser.add_argument("--worker", choices=["embedded", "separate", "none"], default="embedded")
    parser.add_argument("--workers", type=int, default=1, help="`sarnakh worker` processes with --worker separate")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--process-after", action="store_true", help="with --worker none: time `sarnakh worker --once` afterwards")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench_forms").create()
    processes: list[subprocess.Popen] = []
    try:
        db.sarnakh("init")
        key = db.sarnakh("apikey", "create", "bench", "--scope", "write").strip()
        ports = [free_port() for _ in range(args.servers)]
        for index, port in enumerate(ports):
            # Embedded mode runs its worker in the first server only.
            server = start_server(db, port, args.threads, worker=args.worker == "embedded" and index == 0, log_name=f"serve{index}.log")
            processes.append(server)
            wait_healthy(port, server, db.home / f"serve{index}.log")
        if args.worker == "separate":
            for index in range(args.workers):
                log = open(db.home / f"worker{index}.log", "w")  # noqa: SIM115
                processes.append(subprocess.Popen([str(SARNAKH), "worker"], env=db.env(), stdout=log, stderr=subprocess.STDOUT))
        created = run_phase(ports, key, [FORM], 1, path="/api/v1/forms")
        if created["statuses"] != {201: 1}:
            raise SystemExit(f"could not create the form: {created['statuses']}")
        rng = random.Random(args.seed)
        serial = 0

        def batch(n: int, run: str) -> list[dict]:
            nonlocal serial
            out = []
            for _ in range(n):
                serial += 1
                out.append(submission(rng, serial, run))
            return out

        path = f"/api/v1/forms/{SLUG}/submissions"
        run_phase(ports, key, batch(args.warmup, "w"), 4, path=path)
        accepted_total = args.warmup
        results = []
        for clients in [int(c) for c in args.clients.split(",")]:
            result = run_phase(ports, key, batch(args.requests, f"c{clients}x"), clients, path=path)
            accepted_total += result["statuses"].get(201, 0)
            stored = count(db, "SELECT COUNT(*) FROM capture_formsubmission")
            result["stored_rows"], result["all_stored"] = stored, stored == accepted_total
            began = time.perf_counter()
            processed = 0
            if args.worker != "none":
                while time.perf_counter() - began < args.drain_timeout:
                    processed = count(db, "SELECT COUNT(*) FROM capture_formsubmission WHERE status = 'processed'")
                    if processed >= stored:
                        break
                    time.sleep(0.2)
            result["processed"], result["drain_seconds"] = processed, time.perf_counter() - began
            results.append(result)
            if not args.json:
                print(
                    f"{db.versions()[:16]:<16} servers={args.servers} threads={args.threads:<2} worker={args.worker:<8} clients={clients:<3} "
                    f"{result['per_second']:7.0f} submissions/s  p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                    f"p99 {result['p99']:6.1f} ms  max {result['max']:6.1f} ms  statuses {result['statuses']}  "
                    f"stored {stored}/{accepted_total} ({'all' if result['all_stored'] else 'MISSING'})  "
                    + (f"processed {processed} ({result['drain_seconds']:.1f} s after the burst)" if args.worker != "none" else ""),
                    flush=True,
                )
        if args.worker == "none" and args.process_after:
            began = time.perf_counter()
            db.sarnakh("worker", "--once")
            processed = count(db, "SELECT COUNT(*) FROM capture_formsubmission WHERE status = 'processed'")
            contacts = count(db, "SELECT COUNT(*) FROM contacts_contact")
            print(f"afterwards: `sarnakh worker --once` processed {processed} submissions into {contacts} contacts in {time.perf_counter() - began:.1f} s", flush=True)
        failed = count(db, "SELECT COUNT(*) FROM capture_formsubmission WHERE status IN ('failed', 'invalid', 'spam')")
        if failed:
            print(f"WARNING: {failed} submissions failed, invalid or spam", flush=True)
        if args.json:
            print(json.dumps({"db": db.versions(), "servers": args.servers, "threads": args.threads, "worker": args.worker, "results": results}, indent=2))
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        log_file = db.home / "serve0.log"
        tail = log_file.read_text().splitlines()[-5:] if log_file.exists() else []
        if any("Traceback" in line or "ERROR" in line for line in tail):
            print("server log tail:", *tail, sep="\n")
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
