"""Serves the tracker script at /t/sarnakh.js: lightly minified, gzipped when the browser
accepts it, cacheable for five minutes so a new version reaches sites quickly."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

SCRIPT_FILE = Path(__file__).parent / "static" / "tracking" / "sarnakh.js"
CONTENT_TYPE = "application/javascript; charset=utf-8"


@dataclass(frozen=True)
class Script:
    body: bytes
    gzipped: bytes
    etag: str


def minify(source: str) -> str:
    """Drops blank lines, full-line // comments and indentation; nothing that could change
    what the code means (no line joining, no renaming)."""
    lines = (line.strip() for line in source.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


@cache
def script() -> Script:
    """Read once per process: the file only changes with a deploy, which restarts it."""
    body = minify(SCRIPT_FILE.read_text(encoding="utf-8")).encode("utf-8")
    return Script(body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0), etag='W/"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def _accepts_gzip(request: HttpRequest) -> bool:
    for part in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            return True
    return False


@require_safe
def tracker_script(request: HttpRequest) -> HttpResponse:
    current = script()
    if current.etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    elif _accepts_gzip(request):
        response = HttpResponse(current.gzipped, content_type=CONTENT_TYPE)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(current.body, content_type=CONTENT_TYPE)
    response["ETag"] = current.etag
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
