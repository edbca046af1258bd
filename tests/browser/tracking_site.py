"""A company's website for the tracking browser tests: in-memory pages on another port
(another origin than Sarnakh), and, when a test wants to watch the wire, its own copy of
the tracker talking to a scripted events endpoint."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sarnakh.tracking.snippet_views import script

DESKTOP_CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"


@dataclass
class Received:
    at: float
    body: dict[str, Any]
    how: str  # "fetch" or "beacon" (a beacon's Content-Type comes from its Blob; fetch sets ours too)

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.body["events"]


@dataclass
class StaticSite:
    """Pages by path; POST /api/v1/events answers with the next scripted status (202 when
    none is left) and keeps what it received."""

    pages: dict[str, str] = field(default_factory=dict)
    statuses: deque = field(default_factory=deque)
    received: list[Received] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [event for request in self.received for event in request.events]

    def wait_for(self, predicate, seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"not received within {seconds} s; got {self.events()}")
            time.sleep(0.05)


def page(title: str, body: str = "", head: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>{head}</head><body>{body}</body></html>"


def _handler(site: StaticSite):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/t/sarnakh.js":
                self._send(200, script().body, "application/javascript; charset=utf-8")
            elif path in site.pages:
                self._send(200, site.pages[path].encode("utf-8"), "text/html; charset=utf-8")
            else:
                self._send(404, b"not found", "text/plain")

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/api/v1/events":
                self._send(404, b"not found", "text/plain")
                return
            # sendBeacon requests say so in Sec-Fetch-Mode ("no-cors"); the tracker's fetch is "cors" or "same-origin".
            how = "beacon" if self.headers.get("Sec-Fetch-Mode") == "no-cors" else "fetch"
            with site.lock:
                site.received.append(Received(at=time.monotonic(), body=json.loads(body), how=how))
                status = site.statuses.popleft() if site.statuses else 202
            self._send(status, b'{"accepted": 0}', "application/json", {"Access-Control-Allow-Origin": "*"})

    return Handler


def start(site: StaticSite) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
