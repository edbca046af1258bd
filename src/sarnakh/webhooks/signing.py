"""Signatures of webhook deliveries (pure: no Django, no I/O).

`Sarnakh-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
secret>`, as Stripe signs its webhooks. Right after a secret is rotated a delivery carries
one `v1` per valid secret, so a receiver still holding the old one keeps verifying.
The timestamp is part of what is signed: a receiver refuses old timestamps and so a
captured delivery cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "Sarnakh-Signature"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>`, keyed with the whole secret."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets_in_use: list[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"] + [f"v1={sign(secret, timestamp, body)}" for secret in secrets_in_use if secret]
    return ",".join(parts)


def verify(secret: str, header: str, body: bytes, *, now: int, tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """What a receiver does (docs/webhooks.md has the same recipe for receivers to copy)."""
    pairs = [part.split("=", 1) for part in header.split(",") if "=" in part]
    timestamps = [value for key, value in pairs if key.strip() == "t"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit():
        return False
    timestamp = int(timestamps[0])
    if abs(now - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value.strip()) for key, value in pairs if key.strip() == "v1")
