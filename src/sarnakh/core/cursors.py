"""Opaque cursors for keyset pages (API lists, the contact timeline): the parts of a
position, base64 so a client passes them back untouched."""

from __future__ import annotations

import base64

from sarnakh.core.storable import MAX_DB_INT, NUL


def encode_cursor(*parts) -> str:
    return base64.urlsafe_b64encode("|".join(str(p) for p in parts).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[str]:
    """The parts of a cursor made by `encode_cursor`; ValueError when it was not made there
    (a forged cursor must not reach a query with NUL text or an id past 64 bits)."""
    padded = cursor + "=" * (-len(cursor) % 4)
    parts = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
    for part in parts:
        if NUL in part or (part.isdigit() and int(part) > MAX_DB_INT):
            raise ValueError("not a cursor")
    return parts
