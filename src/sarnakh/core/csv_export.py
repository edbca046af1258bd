"""Writing CSV for people to open in spreadsheets. Pure: no ORM.

UTF-8 with a BOM so Excel shows Persian correctly, and cells that a spreadsheet would
run as a formula (starting with =, +, -, @, tab or carriage return) neutralised with a
leading single quote. A plain signed number (`-5`, `+3.2`) or phone (`+989121234567`)
is left as it is: a spreadsheet reads it as a number, never as a formula, and the
quote would stop it coming back unchanged through an import.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A sign, then only ASCII digits with at most one decimal point and an optional exponent:
# nothing a spreadsheet could call or reference. E.164 phones (`+` and up to 15 digits)
# are the common case. fullmatch, so a trailing newline or `+1-555` is not plain.
PLAIN_SIGNED_NUMBER = re.compile(r"[+-](?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def neutralize_cell(value: str) -> str:
    """`=HYPERLINK(...)` -> `'=HYPERLINK(...)`: shown as text, never run as a formula.
    `+989121234567` and `-5` stay as they are (plain numbers, see PLAIN_SIGNED_NUMBER)."""
    if value and value.startswith(FORMULA_STARTS) and not PLAIN_SIGNED_NUMBER.fullmatch(value):
        return "'" + value
    return value


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class _Line:
    def __init__(self):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")

    def render(self, cells: Iterable[Any]) -> str:
        self.writer.writerow([neutralize_cell(cell_text(c)) for c in cells])
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


def csv_lines(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> Iterator[str]:
    """The CSV as a stream of text pieces: BOM and header first, then one piece per row."""
    line = _Line()
    yield (BOM if bom else "") + line.render(header)
    for row in rows:
        yield line.render(row)


def csv_chunks(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = True, chunk_chars: int = 64 * 1024) -> Iterator[bytes]:
    """Like csv_lines, encoded as UTF-8 and grouped into chunks for streaming responses."""
    pending: list[str] = []
    size = 0
    for piece in csv_lines(header, rows, bom=bom):
        pending.append(piece)
        size += len(piece)
        if size >= chunk_chars:
            yield "".join(pending).encode("utf-8")
            pending, size = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")
