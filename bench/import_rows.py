"""CSV contact import throughput with dedupe, on SQLite and PostgreSQL.

    .venv/bin/python bench/import_rows.py --rows 1000000 --db sqlite,postgres
    .venv/bin/python bench/import_rows.py --rows 100000 --db postgres --engine row --second-pass

For each database: a fresh Sarnakh home and database (PostgreSQL: a database
`sarnakh_bench_import` created now and dropped at the end), a generated CSV streamed to a
temp file (Persian and English names, company emails, ~5% of rows repeating an earlier
person in another letter case, ~1% bad emails), then `services.import_run` in a child
process exactly as the background job runs it. Reports rows/s, peak RSS
(getrusage ru_maxrss) and the RSS and elapsed time after each tenth of the file, to show
memory stays flat and the rate does not fall as the tables grow. `--second-pass` imports the same file again (every row now matches: the update path).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BenchDatabase, contact_payload  # noqa: E402

HEADER = ["First Name", "Last Name", "Email", "Phone Number", "Company Name", "Job Title", "Lifecycle Stage", "Tags", "City"]
STAGES = ["Lead", "Subscriber", "Marketing Qualified Lead", "Lead", "Lead"]
CITIES = ["تهران", "اصفهان", "شیراز", "Berlin", "Hamburg", "مشهد", "تبریز"]


def generate(path: Path, rows: int, seed: int = 1403) -> None:
    """Streams `rows` rows to `path` (never held in memory)."""
    rng = random.Random(seed)
    recent: list[dict] = []
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for serial in range(rows):
            roll = rng.random()
            if roll < 0.05 and recent:
                person = dict(rng.choice(recent))
                person["email"] = person["email"].upper()
                person["job_title"] = "Head of Sales"
            else:
                person = contact_payload(rng, serial, run="b")
                if roll > 0.99:
                    person["email"] = person["email"].replace("@", " at ")
                recent.append(person)
                if len(recent) > 5000:
                    recent = recent[2500:]
            writer.writerow([
                person["first_name"], person["last_name"], person["email"], person["phone"], person["company"],
                person["job_title"], rng.choice(STAGES), ";".join(person["tags"]), rng.choice(CITIES),
            ])


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class RssSampler:
    """Called after each batch: notes the RSS at each further tenth of the file."""

    def __init__(self):
        self.samples: list[tuple[int, float, int]] = []
        self.next = 0.0
        self.started = time.perf_counter()

    def __call__(self, contact_import, totals) -> None:
        fraction = totals.bytes_done / max(1, contact_import.file_size)
        if fraction >= self.next:
            self.samples.append((round(fraction * 100), round(_rss_mb(), 1), round(time.perf_counter() - self.started)))
            self.next += 0.1


def child(args) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sarnakh.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from sarnakh.capture.imports import services
    from sarnakh.contacts.models import Activity, Company, Contact
    from sarnakh.core.actor import Actor

    call_command("migrate", interactive=False, verbosity=0)
    results = []
    passes = 2 if args.second_pass else 1
    for number in range(passes):
        sampler = RssSampler()

        imp = services.import_create(upload=Path(args.file), file_name="bench.csv", actor=Actor(source="import", label="bench"),
                                     options={}, store_copy=False, background=False)
        started = time.perf_counter()
        done = services.import_run(import_id=imp.pk, engine=args.engine, batch_size=args.batch_size, on_batch=sampler)
        elapsed = time.perf_counter() - started
        results.append({
            "pass": number + 1,
            "status": done.status,
            "error": done.error_message,
            "rows": done.rows_done,
            "seconds": round(elapsed, 1),
            "rows_per_s": round(done.rows_done / elapsed),
            "new": done.new_count,
            "updated": done.updated_count,
            "skipped": done.skipped_count,
            "invalid": done.invalid_count,
            "rss_mb_by_percent": sampler.samples,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        })
    totals = {"contacts": Contact.objects.count(), "companies": Company.objects.count(), "activities": Activity.objects.count()}
    Path(args.json_out).write_text(json.dumps({"vendor": connection.vendor, "passes": results, "tables": totals}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--engine", choices=["batch", "row"], default="batch")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--second-pass", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--json-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    with tempfile.TemporaryDirectory(prefix="sarnakh-import-bench-") as tmp:
        path = Path(tmp) / "contacts.csv"
        started = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f}s")
        for kind in args.db.split(","):
            db = BenchDatabase(kind, "sarnakh_bench_import").create()
            try:
                out = Path(tmp) / f"{kind}.json"
                command = [sys.executable, __file__, "--child", "--file", str(path), "--json-out", str(out),
                           "--engine", args.engine, "--batch-size", str(args.batch_size)]
                if args.second_pass:
                    command.append("--second-pass")
                subprocess.run(command, env=db.env(PYTHONPATH=str(Path(__file__).resolve().parent.parent / "src")), check=True)
                report = json.loads(out.read_text())
                print(f"\n{db.versions()} — engine {args.engine}, batch {args.batch_size}")
                for p in report["passes"]:
                    print(
                        f"  pass {p['pass']}: {p['status']} {p['rows']:,} rows in {p['seconds']}s = {p['rows_per_s']:,} rows/s; "
                        f"new {p['new']:,} updated {p['updated']:,} skipped {p['skipped']:,} invalid {p['invalid']:,}; "
                        f"peak RSS {p['peak_rss_mb']} MB {p['error']}"
                    )
                    print("    RSS MB (and seconds) at % of file: " + "  ".join(f"{pct}%:{mb}MB/{sec}s" for pct, mb, sec in p["rss_mb_by_percent"]))
                print(f"  tables: {report['tables']}")
            finally:
                db.drop()


if __name__ == "__main__":
    main()
