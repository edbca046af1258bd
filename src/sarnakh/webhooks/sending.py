"""One HTTP POST of a delivery to its webhook (no Django, no database).

The host is resolved and checked here (ssrf.py) and the socket is opened to the checked
address itself, with the URL's host in the Host header and, for https, in SNI and the
certificate check: DNS is asked once, so a name cannot be rebound to a private address
between the check and the connect. Redirects are never followed (a 3xx is a failed
attempt: the receiver should give its final address), proxies from the environment are
not used, timeouts are short and the response is read only as far as the log keeps it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from sarnakh.webhooks import ssrf

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
# Whatever the server does (a byte every few seconds), reading the answer stops here.
TOTAL_SECONDS = 20.0
RESPONSE_KEPT_BYTES = 2048
# A name with several addresses: the next one is tried only when connecting failed.
MAX_ADDRESSES_TRIED = 2


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    response_body: str = ""
    error_kind: str = ""  # "" when delivered; else refused, unresolvable, connect, timeout, tls, redirect, status, error
    error: str = ""

    @property
    def delivered(self) -> bool:
        return not self.error_kind and self.status_code is not None and 200 <= self.status_code < 300


class ConnectFailed(Exception):
    """Connecting to this address failed: the next address of the host may be tried."""


def post(*, url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> Outcome:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        target = ssrf.parse_url(url)
        addresses = ssrf.checked_addresses(target, allow_private=allow_private)
    except ssrf.UrlRefused as refused:
        kind = "unresolvable" if refused.code == "unresolvable" else "refused"
        detail = f"{refused.category} address {refused.address}" if refused.code == "address" else refused.code
        return Outcome(None, elapsed(), error_kind=kind, error=detail)
    last_error = ""
    for address in addresses[:MAX_ADDRESSES_TRIED]:
        try:
            return post_to_address(address, target, body, headers, started=started)
        except ConnectFailed as exc:
            last_error = str(exc)
    return Outcome(None, elapsed(), error_kind="connect", error=last_error[:500])


def post_to_address(address: str, target: ssrf.Target, body: bytes, headers: dict[str, str], *, started: float) -> Outcome:
    """The only place that opens a socket; `address` has passed the SSRF check."""
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT)
    common = {"port": target.port, "timeout": timeout, "retries": False, "maxsize": 1}
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address, server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **common
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, **common)
    try:
        response = pool.urlopen(
            "POST", target.path, body=body, headers={**headers, "Host": target.host_header},
            redirect=False, assert_same_host=False, preload_content=False, decode_content=False,
        )
        try:
            kept = _read_some(response, deadline=started + TOTAL_SECONDS)
        finally:
            response.release_conn()
    except NewConnectionError as exc:
        raise ConnectFailed(_reason(exc)) from None
    except ConnectTimeoutError as exc:
        return _failure(started, "timeout", f"connect timed out: {_reason(exc)}")
    except ReadTimeoutError:
        return _failure(started, "timeout", f"no answer within {READ_TIMEOUT:g} s")
    except SSLError as exc:
        return _failure(started, "tls", _reason(exc))
    except (ProtocolError, HTTPError, OSError) as exc:
        return _failure(started, "error", _reason(exc))
    finally:
        pool.close()
    duration = int((time.monotonic() - started) * 1000)
    status = response.status
    text = kept.decode("utf-8", errors="replace")
    if 300 <= status < 400:
        location = response.headers.get("Location", "")[:300]
        return Outcome(status, duration, text, "redirect", f"redirect to {location} not followed" if location else "redirect not followed")
    if not 200 <= status < 300:
        return Outcome(status, duration, text, "status", f"HTTP {status}")
    return Outcome(status, duration, text)


def _read_some(response, *, deadline: float) -> bytes:
    """The start of the answer, for the log. The status already said how it went, so a
    body cut short or too slow only ends the reading."""
    kept = b""
    # Bounded by bytes and by time: a slow sender costs at most one read timeout past the deadline.
    while len(kept) < RESPONSE_KEPT_BYTES and time.monotonic() < deadline:
        try:
            chunk = response.read(min(1024, RESPONSE_KEPT_BYTES - len(kept)))
        except (ProtocolError, ReadTimeoutError, OSError):
            break
        if not chunk:
            break
        kept += chunk
    return kept


def _failure(started: float, kind: str, error: str) -> Outcome:
    return Outcome(None, int((time.monotonic() - started) * 1000), error_kind=kind, error=error[:500])


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    return f"{type(reason).__name__}: {reason}"[:500]
