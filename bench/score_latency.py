"""Event-to-score latency: how long after the tracker's batch is answered the contact's
score reflects it, under a steady background event load, against a real `sarnakh serve`.

    .venv/bin/python bench/score_latency.py --db sqlite
    .venv/bin/python bench/score_latency.py --db postgres --workers 2

Starts the server with processing on (embedded processor with one waitress process; a
sibling `sarnakh worker` with `--workers N`), creates a site and a write API key, creates
a contact (company email, "Sales Manager") and links a visitor to it with an identify
event. Then, while background clients send `--background` anonymous events/s, it sends
`--probes` single `cta_click` events (+3 each, uncapped in the default model) for that visitor, one at a time, and after
each 202 polls `GET /api/v1/contacts/{id}/score` every 10 ms until the engagement has
changed; the time from the 202 to the first changed answer is the latency. Reports
p50/p95/max. The poll interval adds up to 10 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import sys
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BenchDatabase, http_load, percentile  # noqa: E402
from api_upsert import free_port  # noqa: E402
from events_ingest import ORIGIN, USER_AGENT, start_server, stop  # noqa: E402


def _request(conn, method: str, path: str, body=None, headers=None):
    for attempt in (1, 2):
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # gunicorn closes idle keep-alive connections after 2 s; reconnect and send again
            conn.close()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _site_key(db: BenchDatabase) -> str:
    out = db.sarnakh("site", "create", "Bench site", "--origin", ORIGIN)
    return next(word for word in out.split() if word.startswith("site_"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--background", type=int, default=500, help="anonymous events per second sent meanwhile")
    parser.add_argument("--probes", type=int, default=60)
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench_score").create()
    server = None
    try:
        db.sarnakh("init", "--password", "bench-password-1")
        site_key = _site_key(db)
        api_key = db.sarnakh("apikey", "create", "bench", "--scope", "write").strip().split()[-1]
        port = free_port()
        server = start_server(db, port, args, processing=True, log_name="serve.log")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        auth = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
        status, created = _request(conn, "POST", "/api/v1/contacts", {"email": "sara@parsdade.ir", "first_name": "Sara", "job_title": "Sales Manager"}, auth)
        assert status == 201, created
        contact_id = created["contact"]["id"] if "contact" in created else created["id"]
        browser = {"Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN, "User-Agent": USER_AGENT}
        visitor = "bench-probe"
        status, _ = _request(conn, "POST", "/api/v1/events", {"site_key": site_key, "events": [
            {"id": uuid.uuid4().hex, "type": "identify", "visitor_id": visitor, "properties": {"email": "sara@parsdade.ir"}}]}, browser)
        assert status == 202

        def engagement() -> float:
            code, body = _request(conn, "GET", f"/api/v1/contacts/{contact_id}/score", headers=auth)
            assert code == 200, body
            return float(body["engagement"])

        time.sleep(1.0)
        rng = random.Random(7)
        background_batches = [
            {"site_key": site_key, "events": [
                {"id": uuid.uuid4().hex, "type": "page_view", "visitor_id": f"anon-{rng.randrange(2000)}",
                 "url": f"{ORIGIN}/blog/post-{rng.randrange(50)}", "title": "Blog"} for _ in range(20)]}
            for _ in range(max(1, args.background // 20) * (args.probes + 30))
        ]
        load = threading.Thread(
            target=http_load, args=([port], "", background_batches, 4),
            kwargs={"method": "POST", "path": "/api/v1/events", "headers": browser, "rate_per_second": max(1, args.background / 20), "stop_after": args.probes * 1.5 + 20},
            daemon=True,
        )
        load.start()
        time.sleep(2.0)
        latencies: list[float] = []
        misses = 0
        for _ in range(args.probes):
            before = engagement()
            status, _ = _request(conn, "POST", "/api/v1/events", {"site_key": site_key, "events": [
                {"id": uuid.uuid4().hex, "type": "track", "name": "cta_click", "visitor_id": visitor, "url": f"{ORIGIN}/pricing",
                 "properties": {"label": "Talk to sales"}}]}, browser)
            answered = time.perf_counter()
            assert status == 202
            while engagement() == before:
                if time.perf_counter() - answered > 10:
                    misses += 1
                    break
                time.sleep(0.01)
            else:
                latencies.append((time.perf_counter() - answered) * 1000)
            time.sleep(rng.uniform(0.2, 0.6))
        load.join(timeout=60)
        ms = sorted(latencies)
        print(f"{db.versions():16} workers={args.workers} background={args.background} events/s probes={len(ms)} (no change within 10 s: {misses})  "
              f"event-to-score p50 {percentile(ms, 50):.0f} ms  p95 {percentile(ms, 95):.0f} ms  max {max(ms) if ms else float('nan'):.0f} ms")
    finally:
        if server is not None:
            stop(server)
        db.drop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
