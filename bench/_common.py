"""Shared helpers for the benchmark scripts: a throw-away Sarnakh home and database,
realistic distinct contacts, and percentile reporting."""

from __future__ import annotations

import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SARNAKH = Path(sys.executable).with_name("sarnakh")
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")

PERSIAN_FIRST = [("علی", "ali"), ("محمد", "mohammad"), ("زهرا", "zahra"), ("فاطمه", "fatemeh"), ("مریم", "maryam"), ("رضا", "reza"), ("سارا", "sara"), ("حسین", "hossein"), ("نگار", "negar"), ("امیر", "amir"), ("نیلوفر", "niloofar"), ("مهدی", "mahdi"), ("کیان", "kian"), ("پریسا", "parisa"), ("آرش", "arash"), ("یاسمن", "yasaman")]
PERSIAN_LAST = [("رضایی", "rezaei"), ("محمدی", "mohammadi"), ("حسینی", "hosseini"), ("احمدی", "ahmadi"), ("کریمی", "karimi"), ("موسوی", "mousavi"), ("جعفری", "jafari"), ("صادقی", "sadeghi"), ("کاظمی", "kazemi"), ("نوروزی", "norouzi"), ("شریفی", "sharifi"), ("نیک‌نام", "niknam")]
ENGLISH_FIRST = ["James", "Emma", "Oliver", "Sophia", "Liam", "Mia", "Noah", "Hannah", "Max", "Lena", "Daniel", "Sarah"]
ENGLISH_LAST = ["Smith", "Johnson", "Brown", "Taylor", "Wilson", "Mueller", "Schmidt", "Fischer", "Weber", "Kaya", "Demir", "Haddad"]
COMPANIES = [("پارس داده", "parsdade.ir"), ("آریا سیستم", "aryasystem.ir"), ("نوین پرداز", "novinpardaz.ir"), ("Atlas Analytics", "atlasanalytics.com"), ("Nova Logistics GmbH", "novalogistics.de"), ("سپهر تجارت", "sepehrtejarat.ir"), ("Blue Harbor Ltd", "blueharbor.co.uk"), ("زاگرس شیمی", "zagrosshimi.ir")]
TITLES = ["مدیر فروش", "مدیر بازاریابی", "Head of Marketing", "Sales Manager", "CEO", "کارشناس خرید"]
MOBILE_PREFIXES = ["912", "919", "935", "936", "901", "910", "921", "990", "937", "917"]
CHANNELS = ["organic_search", "paid_search", "social", "email", "referral", "direct", "web_form", "event", "cold_email", "cold_call", "list_import", "api", "other"]


def contact_payload(rng: random.Random, serial: int, *, run: str) -> dict:
    """A distinct, realistic contact: `serial` makes email and phone unique within `run`."""
    if rng.random() < 0.7:
        (first, first_latin), (last, last_latin) = rng.choice(PERSIAN_FIRST), rng.choice(PERSIAN_LAST)
    else:
        first = first_latin = rng.choice(ENGLISH_FIRST)
        last = last_latin = rng.choice(ENGLISH_LAST)
    company, domain = rng.choice(COMPANIES)
    channel = rng.choice(CHANNELS)
    payload = {
        "first_name": first,
        "last_name": last,
        "email": f"{first_latin}.{last_latin}.{run}{serial}@{domain}".lower(),
        "phone": f"0{rng.choice(MOBILE_PREFIXES)}{serial % 10_000_000:07d}",
        "company": company,
        "job_title": rng.choice(TITLES),
        "channel": channel,
        "source_type": "outbound" if channel in ("cold_email", "cold_call", "list_import") else "inbound",
        "tags": rng.sample(["webinar", "vip", "newsletter", "pricing-page"], k=rng.randint(0, 2)),
    }
    if payload["source_type"] == "inbound":
        payload.update(utm_source="google", utm_medium="cpc", utm_campaign="bench", landing_page="https://www.example.ir/pricing")
    return payload


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values_ms: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values_ms, 50),
        "p95": percentile(values_ms, 95),
        "p99": percentile(values_ms, 99),
        "mean": statistics.fmean(values_ms) if values_ms else float("nan"),
        "max": max(values_ms) if values_ms else float("nan"),
    }


class BenchDatabase:
    """A fresh database for one benchmark run: SQLite in a temp home, or a PostgreSQL
    database created now and dropped at the end."""

    def __init__(self, kind: str, name: str):
        self.kind = kind
        self.name = name
        self.home = Path(tempfile.mkdtemp(prefix=f"sarnakh-{name}-"))
        if kind == "postgres":
            self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        else:
            self.url = ""  # SQLite file in the home

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> BenchDatabase:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        return self

    def drop(self) -> None:
        if self.kind == "postgres":
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        shutil.rmtree(self.home, ignore_errors=True)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SARNAKH_", "DJANGO_"))}
        env.update(SARNAKH_HOME=str(self.home), SARNAKH_DATABASE_URL=self.url, SARNAKH_ENV_FILE=str(self.home / "no.env"))
        env.update(extra)
        return env

    def sarnakh(self, *args: str, **extra: str) -> str:
        done = subprocess.run([str(SARNAKH), *args], env=self.env(**extra), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"sarnakh {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def versions(self) -> str:
        if self.kind == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL) as conn:
                return "PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0]
        import sqlite3

        return "SQLite " + sqlite3.sqlite_version


def http_load(
    ports: list[int], key: str, payloads: list, clients: int, *, method: str, path: str,
    headers: dict[str, str] | None = None, rate_per_second: float | None = None, stop_after: float | None = None,
) -> dict:
    """`clients` threads, each with its own keep-alive connection to one of `ports` (round
    robin, as a load balancer would spread them), sending `payloads` (JSON, bytes as they
    are, or None for no body) between them; returns throughput, status counts and latency
    percentiles.

    `headers` replaces the default JSON + bearer-key headers. `rate_per_second` paces the
    requests on one shared schedule (request k is due at start + k / rate) instead of
    sending as fast as answers come; a client that falls behind sends at once, and
    `behind_ms` reports how late requests went out. `stop_after` (seconds) ends the run
    early: clients send nothing more once it has passed, and `requests` counts what was sent."""
    bodies = [p if isinstance(p, bytes) else json.dumps(p).encode() if p is not None else None for p in payloads]
    if headers is None:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}", "Connection": "keep-alive"}
    behind: list[list[float]] = [[] for _ in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        port = ports[index % len(ports)]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        barrier.wait()  # every client starts at once; the clock starts when they do
        start = time.perf_counter()
        for number, body in enumerate(bodies[index::clients]):
            if stop_after is not None and time.perf_counter() - start > stop_after:
                break
            if rate_per_second:
                due = start + (number * clients + index) / rate_per_second
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.01:  # more than 10 ms late: the sender could not keep the pace
                    behind[index].append(-wait * 1000)
            began = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            latencies[index].append((time.perf_counter() - began) * 1000)
            statuses[index][status] = statuses[index].get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged: dict[int, int] = {}
    for chunk in statuses:
        for status, n in chunk.items():
            merged[status] = merged.get(status, 0) + n
    all_latencies = [value for chunk in latencies for value in chunk]
    late = [value for chunk in behind for value in chunk]
    sent = len(all_latencies)
    result = {"clients": clients, "requests": sent, "seconds": elapsed, "per_second": sent / elapsed, "statuses": merged, **summary(all_latencies)}
    if rate_per_second:
        result.update(late_requests=len(late), behind_ms=max(late, default=0.0))
    return result
