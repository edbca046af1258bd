"""API upsert throughput and latency against a real `sarnakh serve` (waitress).

    .venv/bin/python bench/api_upsert.py --db sqlite
    .venv/bin/python bench/api_upsert.py --db postgres --requests 3000 --clients 1,8,16

Starts the server on a fresh database (SQLite in a temp home, or a PostgreSQL database
`sarnakh_bench` that is created and dropped), creates a write API key with the CLI, then
PUTs distinct realistic contacts to /api/v1/contacts/upsert: once with one client, then
with N concurrent clients (threads, each with its own keep-alive connection).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import SARNAKH, BenchDatabase, contact_payload, http_load  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("server exited early:\n" + log.read_text())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become healthy")


def run_phase(port: int, key: str, payloads: list[dict], clients: int, *, method: str = "PUT", path: str = "/api/v1/contacts/upsert") -> dict:
    return http_load([port], key, payloads, clients, method=method, path=path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=3000, help="requests per phase")
    parser.add_argument("--clients", default="1,8,16", help="comma-separated client counts, one phase each")
    parser.add_argument("--threads", type=int, default=8, help="threads per web process (sarnakh serve --threads)")
    parser.add_argument("--workers", type=int, default=1, help="web processes (sarnakh serve --workers; >1 uses gunicorn)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1403)
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--baseline", action="store_true", help="also time GET /healthz (the server's floor: one trivial query)")
    args = parser.parse_args()

    db = BenchDatabase(args.db, "sarnakh_bench").create()
    server = None
    try:
        db.sarnakh("init")
        key = db.sarnakh("apikey", "create", "bench", "--scope", "write").strip()
        port = free_port()
        log = open(db.home / "serve.log", "w")  # noqa: SIM115 (closed with the server)
        server = subprocess.Popen(
            [str(SARNAKH), "serve", "--port", str(port), "--threads", str(args.threads), "--workers", str(args.workers)],
            env=db.env(), stdout=log, stderr=subprocess.STDOUT, text=True,
        )
        wait_healthy(port, server, db.home / "serve.log")
        rng = random.Random(args.seed)
        serial = 0

        def batch(n: int, run: str) -> list[dict]:
            nonlocal serial
            out = []
            for _ in range(n):
                serial += 1
                out.append(contact_payload(rng, serial, run=run))
            return out

        run_phase(port, key, batch(args.warmup, "w"), 4)
        results = []
        if args.baseline:
            for clients in (1, 8):
                floor = run_phase(port, key, [None] * args.requests, clients, method="GET", path="/healthz")
                print(f"{db.versions():<18} GET /healthz clients={clients:<3} {floor['per_second']:7.0f} req/s  p50 {floor['p50']:6.1f} ms  p99 {floor['p99']:6.1f} ms", flush=True)
        for clients in [int(c) for c in args.clients.split(",")]:
            result = run_phase(port, key, batch(args.requests, f"c{clients}x"), clients)
            results.append(result)
            if not args.json:
                print(
                    f"{db.versions():<18} workers={args.workers} threads={args.threads:<2} clients={clients:<3} "
                    f"{result['per_second']:7.0f} contacts/s  p50 {result['p50']:6.1f} ms  p95 {result['p95']:6.1f} ms  "
                    f"p99 {result['p99']:6.1f} ms  max {result['max']:6.1f} ms  statuses {result['statuses']}",
                    flush=True,
                )
        if args.json:
            print(json.dumps({"db": db.versions(), "threads": args.threads, "workers": args.workers, "results": results}, indent=2))
    finally:
        if server is not None:
            tail = (db.home / "serve.log").read_text().splitlines()[-5:]
            if any("Traceback" in line or "ERROR" in line for line in tail):
                print("server log tail:", *tail, sep="\n")
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        db.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
