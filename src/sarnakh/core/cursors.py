"""Opaque cursors for keyset pages (API lists, the contact timeline): the parts of a
position, base64 so a client passes them back untouched."""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from sarnakh.core.errors import ValidationFailed
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


def encode_id_cursor(row_id: int | None) -> str | None:
    """The cursor of a page ordered by id alone; None when there is no next page."""
    return encode_cursor(row_id) if row_id else None


def decode_id_cursor(cursor: str | None) -> int | None:
    """The id in a cursor made by `encode_id_cursor`; a forged one is a 422 naming `cursor`."""
    if not cursor:
        return None
    try:
        (text,) = decode_cursor(cursor)
        if not text.isdigit() or not 1 <= int(text) <= MAX_DB_INT:
            raise ValueError(cursor)
        return int(text)
    except (ValueError, binascii.Error, UnicodeError):
        raise ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Use the next_cursor of a previous page.")]}) from None
