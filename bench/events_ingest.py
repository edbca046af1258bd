"""Event ingestion over HTTP (`POST /api/v1/events`, batches of 20) against a real `sarnakh serve`.

    .venv/bin/python bench/events_ingest.py --db sqlite
    .venv/bin/python bench/events_ingest.py --db postgres --workers 2 --clients 8,16,32

Starts the server on a fresh database (SQLite in a temp home, or a PostgreSQL database
`sarnakh_bench_events` created and dropped here), creates a site with
`sarnakh site create … --origin https://www.example.ir`, then, as browsers do, POSTs
batches of 20 realistic events as `text/plain` with the site key, an allowed Origin and
a desktop Chrome user agent: mostly page views (entry pages with Google / Telegram /
LinkedIn / direct referrers, UTM parameters on about a fifth of them), CTA clicks,
downloads, video plays and a few identifies, from visitors who each send about ten
events spread over many batches.

1. Ingestion alone (`serve --no-worker`): one phase per client count, each client
   sending its next batch when the last is answered; then one phase paced at `--paced`
   events/s (latency at that offered load). Events/s, batch requests/s, p50/p95/p99 of
   the answer; after each phase the stored rows are counted (every 202 must be 20 rows). CPU seconds of the server, its PostgreSQL backends and
   this load generator are reported, since all share the machine.
2. Raw insert rate: a child process with Django set up on the same database cleans the
   same kind of batches, then stores them with `ingest.events_insert` in chunks of 20,
   autocommit (one transaction per chunk, as per request); once alone, once as two
   processes in parallel. Ingestion is reported as a fraction of it. Those rows belong
   to a second site and are deleted afterwards.
3. Processing alone: `processor.process_pending_events` in a child over the backlog
   left by phase 1 → events processed per second.
4. Processing lag: the server restarted with processing on (embedded worker with one
   waitress process; with `--workers N` gunicorn starts a sibling `sarnakh worker`),
   events sent at a steady `--lag-rate` for `--lag-seconds`; every second the age of
   the oldest unprocessed event and the backlog are sampled; then the time until the
   backlog is empty.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SARNAKH, BenchDatabase, http_load, percentile  # noqa: E402
from api_upsert import free_port, wait_healthy  # noqa: E402

ORIGIN = "https://www.example.ir"
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
BATCH = 20
PAGES = [  # path, title, weight
    ("/", "سرنخ | مدیریت سرنخ و اتوماسیون بازاریابی", 25), ("/pricing", "Pricing – Sarnakh", 12), ("/fa/pricing", "قیمت‌ها", 6),
    ("/blog/lead-scoring-guide", "راهنمای امتیازدهی به سرنخ‌ها", 6), ("/blog/crm-vs-marketing-automation", "CRM vs marketing automation", 5),
    ("/blog/persian-seo-checklist", "چک‌لیست سئوی فارسی", 5), ("/blog/webinar-follow-up-emails", "ایمیل‌های پیگیری وبینار", 4),
    ("/case-studies/parsdade", "Case study: Pars Dade", 4), ("/case-studies/nova-logistics", "Case study: Nova Logistics", 3),
    ("/features/forms", "فرم‌ها", 5), ("/features/email", "Email campaigns", 4), ("/features/tracking", "Behaviour tracking", 4),
    ("/demo", "درخواست دمو", 6), ("/contact", "تماس با ما", 3), ("/careers", "Careers", 1),
]
REFERRERS = [("https://www.google.com/", 40), ("https://t.me/", 15), ("https://www.linkedin.com/", 10), ("", 35)]
UTMS = [
    {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "brand-1403", "utm_term": "crm"},
    {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "azar-digest"},
    {"utm_source": "linkedin", "utm_medium": "paid_social", "utm_campaign": "lead-gen-q4", "utm_content": "carousel-b"},
    {"utm_source": "telegram", "utm_medium": "social", "utm_campaign": "channel-post-112"},
]
CTAS = ["درخواست دمو", "Book a demo", "Start free trial", "دریافت کاتالوگ", "Talk to sales", "ثبت‌نام در وبینار"]
SCREENS = ["1920x1080", "1536x864", "1366x768", "2560x1440", "1440x900"]


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class EventStream:
    """Batches of 20 events from a pool of visitors browsing at once: each visitor sends
    2–18 events (about ten on average), interleaved with the others', so one visitor's
    events are spread over many batches."""

    def __init__(self, rng: random.Random, site_key: str, *, pool: int = 400):
        self.rng, self.site_key, self.pool = rng, site_key, pool
        self.visitors: list[dict] = [self._visitor() for _ in range(pool)]
        self.paths = [p for p, _, _ in PAGES]
        self.titles = {p: t for p, t, _ in PAGES}
        self.weights = [w for _, _, w in PAGES]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _visitor(self) -> dict:
        return {"id": self._uuid(), "left": self.rng.randint(2, 18), "url": "", "screen": self.rng.choice(SCREENS),
                "language": "fa-IR" if self.rng.random() < 0.75 else "en-US"}

    def _page_view(self, visitor: dict) -> dict:
        path = self.rng.choices(self.paths, self.weights)[0]
        url = ORIGIN + path
        if visitor["url"]:
            referrer = visitor["url"]
        else:  # the entry page
            referrer = self.rng.choices([r for r, _ in REFERRERS], [w for _, w in REFERRERS])[0]
            if self.rng.random() < 0.2:
                url += "?" + "&".join(f"{k}={v}" for k, v in self.rng.choice(UTMS).items())
        visitor["url"] = url
        return {"type": "page_view", "url": url, "referrer": referrer, "title": self.titles[path],
                "properties": {"screen": visitor["screen"], "language": visitor["language"]}}

    def _track(self, visitor: dict) -> dict:
        roll = self.rng.random()
        if roll < 0.6:
            name, properties = "cta_click", {"label": self.rng.choice(CTAS)}
        elif roll < 0.85:
            name, properties = "download", {"label": "sarnakh-catalog-1403.pdf", "file_url": ORIGIN + "/files/sarnakh-catalog-1403.pdf"}
        else:
            name, properties = "video_play", {"label": "Product tour", "video_id": "tour-2026", "position": 0}
        return {"type": "track", "name": name, "url": visitor["url"], "properties": properties}

    def _event(self, now: dt.datetime) -> dict:
        slot = self.rng.randrange(self.pool)
        visitor = self.visitors[slot]
        roll = self.rng.random()
        if not visitor["url"] or roll < 0.75:
            event = self._page_view(visitor)
        elif roll < 0.98:
            event = self._track(visitor)
        else:  # nobody is stored under this address: linked to nothing, as for most visitors
            event = {"type": "identify", "properties": {"email": f"visitor.{visitor['id'][:8]}@example.net"}}
        visitor["left"] -= 1
        if visitor["left"] <= 0:
            self.visitors[slot] = self._visitor()
        moment = now - dt.timedelta(seconds=self.rng.uniform(0.3, 8.0))
        return {"id": self._uuid(), "visitor_id": visitor["id"], "timestamp": iso(moment), **event}

    def batch(self) -> dict:
        now = dt.datetime.now(dt.UTC)
        return {"site_key": self.site_key, "sent_at": iso(now), "events": [self._event(now) for _ in range(BATCH)]}

    def bodies(self, n: int) -> list[bytes]:
        return [json.dumps(self.batch(), ensure_ascii=False).encode() for _ in range(n)]


HEADERS = {
    "Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN, "User-Agent": USER_AGENT, "Accept": "*/*",
    "Accept-Language": "fa-IR,fa;q=0.9,en-US;q=0.8,en;q=0.7", "Referer": ORIGIN + "/", "Connection": "keep-alive",
}


# ---------------------------------------------------------------- database and CPU probes

def query(db: BenchDatabase, sql: str, *, fetch: bool = True) -> tuple | None:
    if db.kind == "postgres":
        import psycopg

        with psycopg.connect(db.url, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchone() if fetch else None
    with sqlite3.connect(db.home / "sarnakh.sqlite3", timeout=30) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchone() if fetch else None


def backlog(db: BenchDatabase) -> tuple[int, float]:
    """(unprocessed events, age in seconds of the oldest of them)."""
    count, oldest = query(db, "SELECT COUNT(*), MIN(received_at) FROM tracking_event WHERE processed_at IS NULL")
    if not count:
        return 0, 0.0
    if isinstance(oldest, str):  # SQLite keeps UTC text
        oldest = dt.datetime.fromisoformat(oldest).replace(tzinfo=dt.UTC)
    return count, (dt.datetime.now(dt.UTC) - oldest).total_seconds()


def _proc_stats() -> dict[int, tuple[int, float, str]]:
    """pid → (parent pid, CPU seconds, command line) for every process."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, cmdline)
    return out


def cpu_snapshot(server_pid: int, database: str | None) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the server's process tree and of this database's PostgreSQL
    backends (the shared WAL writer and checkpointer are not counted)."""
    stats = _proc_stats()
    tree, todo = set(), [server_pid]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo.extend(p for p, (ppid, _, _) in stats.items() if ppid == pid and p not in tree)
    pg = {p for p, (_, _, cmd) in stats.items() if database and cmd.startswith("postgres:") and f" {database} " in cmd}
    return {"server": {p: stats[p][1] for p in tree if p in stats}, "postgres": {p: stats[p][1] for p in pg}}


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


class CpuMeter:
    def __init__(self, server_pid: int, database: str | None):
        self.server_pid, self.database = server_pid, database
        self.before = cpu_snapshot(server_pid, database)
        self.own = sum(os.times()[:2])
        self.machine = machine_busy()

    def seconds(self) -> dict[str, float]:
        after = cpu_snapshot(self.server_pid, self.database)
        out = {group: sum(v - self.before[group].get(p, 0.0) for p, v in after[group].items()) for group in after}
        out["load generator"] = sum(os.times()[:2]) - self.own
        busy, total = machine_busy()
        out["machine busy"] = busy - self.machine[0]
        out["machine total"] = total - self.machine[1]
        return out


def cpu_text(cpu: dict[str, float], seconds: float) -> str:
    ours = cpu["server"] + cpu["postgres"] + cpu["load generator"]
    return (
        f"CPU s: server {cpu['server']:.1f}, postgres {cpu['postgres']:.1f}, load generator {cpu['load generator']:.1f}, "
        f"rest of machine {max(0.0, cpu['machine busy'] - ours):.1f} (of {cpu['machine total']:.1f} in {seconds:.1f} s wall)"
    )


# ---------------------------------------------------------------- server and child processes

def site_create(db: BenchDatabase, name: str) -> str:
    out = db.sarnakh("site", "create", name, "--origin", ORIGIN)
    match = re.search(r"Key: (\S+)", out)
    if not match:
        raise SystemExit(f"no site key in: {out}")
    return match.group(1)


def start_server(db: BenchDatabase, port: int, args, *, processing: bool, log_name: str) -> subprocess.Popen:
    log = open(db.home / log_name, "w")  # noqa: SIM115 (closed with the process)
    cmd = [str(SARNAKH), "serve", "--port", str(port), "--threads", str(args.threads), "--workers", str(args.workers)]
    server = subprocess.Popen(cmd + ([] if processing else ["--no-worker"]), env=db.env(), stdout=log, stderr=subprocess.STDOUT, text=True)
    wait_healthy(port, server, db.home / log_name)
    return server


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def children(db: BenchDatabase, mode: str, count: int, **options) -> list[dict]:
    """Runs `count` copies of a child mode at once (they start their clocks together)."""
    start_at = time.time() + 5.0 + 3.0 * count  # after Django setup and preparing the rows
    env = db.env(DJANGO_SETTINGS_MODULE="sarnakh.settings")
    procs = []
    for index in range(count):
        cmd = [sys.executable, __file__, "--child", mode, "--start-at", str(start_at), "--seed", str(options.get("seed", 0) + index)]
        for key, value in options.items():
            if key != "seed":
                cmd += [f"--{key.replace('_', '-')}", str(value)]
        procs.append(subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for proc in procs:
        out, err = proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"child {mode} failed:\n{err}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def child_main(args) -> int:
    import django

    django.setup()
    from django.db import connection

    from sarnakh.tracking import event_input, ingest
    from sarnakh.tracking.models import Site

    connection.ensure_connection()
    if args.child == "process":
        from sarnakh.tracking.processor import process_pending_events

        time.sleep(max(0.0, args.start_at - time.time()))
        began, done = time.time(), 0
        while time.time() - began < args.seconds:
            count = process_pending_events()
            if not count:
                break
            done += count
        print(json.dumps({"processed": done, "seconds": time.time() - began}))
        return 0
    site = Site.objects.get(key=args.site_key)
    stream = EventStream(random.Random(args.seed), args.site_key)
    bodies = stream.bodies(args.batches)
    meta = {"ip": "127.0.0.1", "user_agent": USER_AGENT, "origin": ORIGIN}
    chunks, began = [], time.process_time()
    for body in bodies:  # what the request does before the INSERT, without HTTP and Django's request cycle
        data = ingest.parse_batch(body)
        received = dt.datetime.now(dt.UTC)
        batch = event_input.BatchContext(
            source=f"s{site.pk}", trusted=False, site_id=site.pk, received_at=received,
            clock_offset=event_input.clock_offset(data.get("sent_at"), received), request=meta,
        )
        rows, errors = event_input.clean_batch(data["events"], batch=batch)
        assert not errors, errors
        chunks.append(rows)
    prepare = time.process_time() - began
    time.sleep(max(0.0, args.start_at - time.time()))
    began, cpu, stored = time.time(), time.process_time(), 0
    for rows in chunks:
        stored += ingest.events_insert(rows)
    print(json.dumps({
        "rows": stored, "began": began, "ended": time.time(), "cpu_seconds": time.process_time() - cpu,
        "prepare_seconds": prepare, "batches": len(bodies),
    }))
    return 0


# ---------------------------------------------------------------- phases

def ingest_phase(db, port, server, bodies, clients, *, rate=None, stop_after=None) -> dict:
    meter = CpuMeter(server.pid, db.name if db.kind == "postgres" else None)
    result = http_load(
        [port], "", bodies, clients, method="POST", path="/api/v1/events", headers=HEADERS, rate_per_second=rate, stop_after=stop_after,
    )
    result["cpu"] = meter.seconds()
    result["events_per_second"] = result["per_second"] * BATCH
    return result


def lag_phase(db, port, server, stream, args) -> dict:
    rate = args.lag_rate / BATCH
    samples: list[tuple[int, float]] = []
    sending = threading.Event()
    sending.set()

    def sample() -> None:
        began = time.perf_counter()
        while sending.is_set():
            samples.append(backlog(db))
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - began) % 1.0))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # A server that cannot take the pace would stretch the phase; it ends at 1.5 × its planned length.
    bodies = stream.bodies(int(rate * args.lag_seconds))
    result = ingest_phase(db, port, server, bodies, args.lag_clients, rate=rate, stop_after=1.5 * args.lag_seconds)
    sending.clear()
    sampler.join()
    began = time.perf_counter()
    count, _age = backlog(db)
    while count and time.perf_counter() - began < args.drain_timeout:
        time.sleep(0.2)
        count, _age = backlog(db)
    lags = [age for _count, age in samples]
    result.update(
        lag_p50=percentile(lags, 50), lag_p95=percentile(lags, 95), lag_max=max(lags, default=0.0), samples=len(samples),
        backlog_max=max((c for c, _age in samples), default=0), drain_seconds=time.perf_counter() - began, left=count,
    )
    return result


def line(db: BenchDatabase, args, what: str, r: dict) -> str:
    text = (
        f"{db.versions()[:16]:<16} workers={args.workers} threads={args.threads} {what} clients={r['clients']:<3} "
        f"{r['events_per_second']:7.0f} events/s  {r['per_second']:6.1f} batches/s  p50 {r['p50']:6.1f} ms  "
        f"p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  max {r['max']:6.1f} ms  statuses {r['statuses']}  "
        f"stored {r['stored']}/{r['accepted']} ({'all' if r['stored'] == r['accepted'] else 'MISMATCH'})\n    "
        + cpu_text(r["cpu"], r["seconds"])
    )
    return text + (f"  late requests {r['late_requests']} (max {r['behind_ms']:.0f} ms)" if "late_requests" in r else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="web processes (sarnakh serve --workers; >1 = gunicorn)")
    parser.add_argument("--threads", type=int, default=8, help="threads per web process")
    parser.add_argument("--clients", default="8,16,32", help="comma-separated client counts, one ingestion phase each")
    parser.add_argument("--batches", type=int, default=2000, help="batches of 20 events per ingestion phase (and per raw-insert process)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--paced", type=float, default=5000, help="then send --batches at this many events/s (0 = skip) and report latency at that load")
    parser.add_argument("--process-seconds", type=float, default=120, help="at most this long for processing the backlog alone")
    parser.add_argument("--lag-rate", type=float, default=2000, help="events/s sent steadily in the lag phase")
    parser.add_argument("--lag-seconds", type=float, default=45)
    parser.add_argument("--lag-clients", type=int, default=8)
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--skip", default="", help="comma-separated phases to leave out: raw, process, lag")
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", choices=["raw", "process"], help=argparse.SUPPRESS)
    parser.add_argument("--start-at", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--site-key", default="", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=120, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_main(args)
    skip = set(filter(None, args.skip.split(",")))

    def say(text: str) -> None:
        if not args.json:
            print(text, flush=True)

    db = BenchDatabase(args.db, "sarnakh_bench_events").create()
    server = None
    report: dict = {"db": db.versions(), "workers": args.workers, "threads": args.threads, "ingest": []}
    try:
        db.sarnakh("init")
        key = site_create(db, "Bench site")
        raw_key = site_create(db, "Raw insert")  # its rows are deleted after the raw-insert runs
        site_id = query(db, f"SELECT id FROM tracking_site WHERE key = '{key}'")[0]

        def stored_rows() -> int:
            return query(db, f"SELECT COUNT(*) FROM tracking_event WHERE site_id = {site_id}")[0]

        stream = EventStream(random.Random(args.seed), key)
        port = free_port()
        server = start_server(db, port, args, processing=False, log_name="serve-ingest.log")

        # 1. ingestion alone: closed loop per client count, then open loop at --paced events/s
        accepted = ingest_phase(db, port, server, stream.bodies(args.warmup), 4)["statuses"].get(202, 0) * BATCH
        counts = [int(c) for c in args.clients.split(",")]
        plan = [(c, None) for c in counts] + ([(max(counts), args.paced / BATCH)] if args.paced else [])
        for clients, rate in plan:
            r = ingest_phase(db, port, server, stream.bodies(args.batches), clients, rate=rate)
            accepted += r["statuses"].get(202, 0) * BATCH
            r.update(stored=stored_rows(), accepted=accepted, paced=rate is not None)
            report["ingest"].append(r)
            say(line(db, args, f"paced at {args.paced:.0f}/s" if rate else "no-worker", r))
        best = max((r for r in report["ingest"] if not r["paced"]), key=lambda r: r["events_per_second"])
        stop(server)
        server = None

        # 2. raw insert rate for the same kind of rows
        if "raw" not in skip:
            report["raw"] = {}
            for count in (1, 2):
                runs = children(db, "raw", count, seed=args.seed + 100 * count, site_key=raw_key, batches=args.batches)
                rows, batches = sum(r["rows"] for r in runs), sum(r["batches"] for r in runs)
                raw = report["raw"][count] = {
                    "rows": rows, "rows_per_second": rows / (max(r["ended"] for r in runs) - min(r["began"] for r in runs)),
                    "insert_cpu_us": 1e6 * sum(r["cpu_seconds"] for r in runs) / batches,
                    "prepare_cpu_us": 1e6 * sum(r["prepare_seconds"] for r in runs) / batches,
                }
                say(
                    f"raw events_insert, {count} process{'es' if count > 1 else ''}: {rows} rows in chunks of {BATCH}, "
                    f"{raw['rows_per_second']:7.0f} rows/s; CPU per chunk in Python: insert {raw['insert_cpu_us']:.0f} µs, "
                    f"parse + clean before it {raw['prepare_cpu_us']:.0f} µs"
                )
            query(db, f"DELETE FROM tracking_event WHERE site_id IN (SELECT id FROM tracking_site WHERE key = '{raw_key}')", fetch=False)
            if db.kind == "postgres":
                query(db, "VACUUM (ANALYZE) tracking_event", fetch=False)
            fraction = report["ingest_fraction_of_raw"] = best["events_per_second"] / max(v["rows_per_second"] for v in report["raw"].values())
            say(f"ingestion (best, {best['events_per_second']:.0f} events/s) = {fraction:.0%} of the best raw insert rate")

        # 3. processing alone over the backlog
        waiting, _age = backlog(db)
        if "process" not in skip and waiting:
            run = children(db, "process", 1, seconds=args.process_seconds)[0]
            report["process"] = {**run, "backlog": waiting, "per_second": run["processed"] / run["seconds"]}
            say(f"processing alone: {run['processed']} of {waiting} waiting events in {run['seconds']:.1f} s = {report['process']['per_second']:.0f} events/s")
        left, _age = backlog(db)
        if left and "lag" not in skip:
            # Only the lag phase's own events should be waiting when it starts.
            query(db, "UPDATE tracking_event SET processed_at = received_at WHERE processed_at IS NULL", fetch=False)
            say(f"(marked the {left} events still waiting as processed before the lag phase)")

        # 4. processing lag at a steady rate
        if "lag" not in skip:
            server = start_server(db, port, args, processing=True, log_name="serve-lag.log")
            before = stored_rows()
            r = report["lag"] = lag_phase(db, port, server, stream, args)
            sessions, bots = query(db, "SELECT (SELECT COUNT(*) FROM tracking_session), (SELECT COUNT(*) FROM tracking_event WHERE is_bot)")
            r.update(stored=stored_rows() - before, accepted=r["statuses"].get(202, 0) * BATCH, sessions=sessions, bot_events=bots)
            say(line(db, args, "processing on", r))
            say(
                f"    lag (oldest unprocessed event, sampled each second, {r['samples']} samples): p50 {r['lag_p50']:.2f} s  "
                f"p95 {r['lag_p95']:.2f} s  max {r['lag_max']:.2f} s  backlog max {r['backlog_max']}  "
                f"drained {r['drain_seconds']:.1f} s after sending stopped ({r['left']} left)  sessions {sessions}  bot events {bots}"
            )
        if args.json:
            print(json.dumps(report, indent=2, default=str))
    finally:
        if server is not None:
            stop(server)
        for log_file in sorted(db.home.glob("serve-*.log")):
            lines = log_file.read_text().splitlines()
            if any("Traceback" in ln or "ERROR" in ln for ln in lines):
                print(f"{log_file.name} tail:", *lines[-15:], sep="\n")
        db.drop()
    phases = report["ingest"] + ([report["lag"]] if "lag" in report else [])
    if any(r["stored"] != r["accepted"] for r in phases):
        print("MISMATCH: some accepted events were not stored", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
