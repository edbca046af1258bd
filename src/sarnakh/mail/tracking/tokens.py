"""Signed tokens of tracked links and the open pixel (no ORM: pure).

A click token carries the message id and the destination URL, with an HMAC over both
(SHA-256 keyed from SECRET_KEY, like delivery's VERP key): only a URL that `instrument`
signed for that message verifies, so the redirect can never send anyone elsewhere (no open
redirect). A pixel token carries the message id and its HMAC. A token that does not verify
is refused without saying why."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac

from django.conf import settings

SIGNATURE_BYTES = 12  # 96 bits, 16 base64 characters
MAX_TOKEN_LENGTH = 4200  # a 2,000-character URL in base64 plus the id and signature
MAX_URL_LENGTH = 2000


class BadToken(Exception):
    """Forged, altered or malformed."""


def tracking_key() -> bytes:
    return _key(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"sarnakh.mail.tracking:" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(kind: str, email_id: int, value: str = "") -> str:
    message = f"{kind}:{int(email_id)}:{value}".encode()
    return _b64(hmac.new(tracking_key(), message, hashlib.sha256).digest()[:SIGNATURE_BYTES])


def click_token(*, email_id: int, url: str) -> str:
    """`<id>.<signature>.<url in base64url>`: the alphabet is safe in a path segment."""
    return f"{int(email_id)}.{_signature('c', email_id, url)}.{_b64(url.encode())}"


def open_token(*, email_id: int) -> str:
    return f"{int(email_id)}.{_signature('o', email_id)}"


def _id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise BadToken
    return int(text)


def read_click_token(token: str) -> tuple[int, str]:
    """(email id, destination URL) of a click token that verifies; BadToken otherwise."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    parts = token.split(".")
    if len(parts) != 3:
        raise BadToken
    email_id = _id(parts[0])
    try:
        url = _unb64(parts[2]).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadToken from None
    if not parts[1].isascii() or not hmac.compare_digest(parts[1], _signature("c", email_id, url)):
        raise BadToken
    if len(url) > MAX_URL_LENGTH or not url.lower().startswith(("http://", "https://")):
        raise BadToken
    return email_id, url


def read_open_token(token: str) -> int:
    if not token or len(token) > 100:
        raise BadToken
    parts = token.split(".")
    if len(parts) != 2:
        raise BadToken
    email_id = _id(parts[0])
    if not parts[1].isascii() or not hmac.compare_digest(parts[1], _signature("o", email_id)):
        raise BadToken
    return email_id
