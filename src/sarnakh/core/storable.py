"""What every value entering Sarnakh must be to be stored alike on SQLite and PostgreSQL.

- Text never holds NUL (U+0000): PostgreSQL refuses it in text and jsonb columns, and no
  real text needs it.
- Whole numbers fit a signed 64-bit integer: SQLite cannot bind larger ones and
  PostgreSQL's bigint cannot hold them.

One policy for the whole product: the authenticated API and the staff UI refuse such
input (422 naming the field on the API) and change nothing; public intake (form posts,
tracked events) stores the raw body with NUL replaced and cleans or refuses the field
itself, so nothing a visitor sent is lost.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

NUL = "\x00"
MIN_DB_INT = -(2**63)
MAX_DB_INT = 2**63 - 1
# JSON bodies are at most SARNAKH_MAX_BODY_BYTES; this bounds the walk on any input.
MAX_VALUES_CHECKED = 1_000_000


def nul_message() -> str:
    return _("Must not contain the NUL character (\\u0000).")


def int_range_message() -> str:
    return _("Whole numbers must lie between -9223372036854775808 and 9223372036854775807.")


def first_unstorable(value: Any, *, prefix: str = "") -> tuple[str, str] | None:
    """(field path, message) of the first value in a JSON-like tree that cannot be stored,
    or None. Paths join keys and list positions with dots (`fields.tags.2`), the way the
    API names fields in its errors; a bad key is named by itself."""
    stack: list[tuple[str, Any]] = [(prefix, value)]
    for _checked in range(MAX_VALUES_CHECKED):
        if not stack:
            return None
        path, item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return path or "__all__", nul_message()
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if not MIN_DB_INT <= item <= MAX_DB_INT:
                return path or "__all__", int_range_message()
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                key_text = str(key)
                child_path = f"{path}.{key_text}" if path else key_text
                if NUL in key_text:
                    return child_path, nul_message()
                stack.append((child_path, child))
        elif isinstance(item, list | tuple):
            for index in reversed(range(len(item))):
                stack.append((f"{path}.{index}" if path else str(index), item[index]))
    return prefix or "__all__", _("The input is too large to check.")
