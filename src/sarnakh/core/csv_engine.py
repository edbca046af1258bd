"""Reading CSV files people upload: encoding, delimiter, header and a row stream. Pure: no ORM.

Files are read from a binary file object and never loaded whole: `iter_rows` wraps the
file in `io.TextIOWrapper` and `csv.reader`, so quoted newlines work and memory stays flat
however large the file is.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

SAMPLE_BYTES = 64 * 1024
CHECK_CHUNK = 1024 * 1024
DELIMITERS = (",", ";", "\t")
# A cell longer than this is almost always an unbalanced quote swallowing the file.
MAX_FIELD_CHARS = 1024 * 1024

# Encoding names accepted as an explicit override (plus anything Python knows).
ENCODING_CHOICES = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256", "cp1252", "latin-1")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")


class CsvFormatError(ValueError):
    """The file cannot be read as CSV with the chosen settings."""


@dataclass(frozen=True)
class Dialect:
    encoding: str
    delimiter: str


@dataclass
class FileSample:
    encoding: str
    delimiter: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


def normalize_encoding_name(name: str) -> str:
    """Python's canonical name for an encoding the user typed; raises on unknown ones."""
    try:
        info = codecs.lookup(name.strip())
    except (LookupError, ValueError, UnicodeError):  # ValueError: a NUL inside the name
        raise CsvFormatError(f"unknown encoding {name[:40]!r}") from None
    # rot13, base64, hex… are codecs but not text encodings: a CSV cannot be read with them.
    if not getattr(info, "_is_text_encoding", True) or info.name in {"undefined"}:
        raise CsvFormatError(f"unknown encoding {name[:40]!r}")
    return info.name


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"  # the codec reads the BOM and picks the byte order
    return None


def _first_non_utf8(file: BinaryIO) -> int | None:
    """Offset of the first byte that is not UTF-8 (streamed), or None if all of it is."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    try:
        while chunk := file.read(CHECK_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return offset + max(0, exc.start)
            offset += len(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return max(0, offset - 4)
    return None


def _looks_utf16_without_bom(sample: bytes) -> str | None:
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.3 and even.count(0) < len(even) * 0.05:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.3 and odd.count(0) < len(odd) * 0.05:
        return "utf-16-be"
    return None


def detect_encoding(file: BinaryIO) -> str:
    """BOM first, then strict UTF-8 over the whole file (streamed), then Windows-1256 for
    Persian/Arabic text, then charset-normalizer as the last resort. Leaves the file at 0."""
    file.seek(0)
    sample = file.read(SAMPLE_BYTES)
    file.seek(0)
    try:
        by_bom = _bom_encoding(sample)
        if by_bom:
            return by_bom
        utf16 = _looks_utf16_without_bom(sample)
        if utf16:
            return utf16
        bad_at = _first_non_utf8(file)
        if bad_at is None:
            return "utf-8"
        if bad_at >= SAMPLE_BYTES // 2:
            # Judge the text around the first non-UTF-8 byte, not the ASCII before it.
            file.seek(max(0, bad_at - SAMPLE_BYTES // 2))
            sample = file.read(SAMPLE_BYTES)
        # Not UTF-8. Persian Excel exports ("CSV" on Windows) are Windows-1256: every byte
        # decodes, so choose it when the decoded sample has Arabic-script letters.
        text = sample.decode("cp1256", errors="replace")
        if _ARABIC_SCRIPT.search(text):
            return "cp1256"
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        return normalize_encoding_name(best.encoding) if best is not None else "cp1252"
    finally:
        file.seek(0)


def detect_delimiter(text: str) -> str:
    """The delimiter of a text sample: csv.Sniffer, else the most frequent candidate in
    the first line, else a comma."""
    lines = text.splitlines()
    sample = "\n".join(lines[:-1] if len(lines) > 1 else lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    first = lines[0] if lines else ""
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_delimiter(value: str) -> str:
    """Accepts `,` `;` `\\t`, `tab`, `comma`, `semicolon` (what people type in a form or CLI)."""
    names = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    value = names.get(value.strip().lower(), value) if value.strip() else value
    if len(value) != 1 or value in "\"\r\n":
        raise CsvFormatError(f"unusable delimiter {value!r}")
    return value


def _text_stream(file: BinaryIO, encoding: str) -> io.TextIOWrapper:
    file.seek(0)
    # utf-8-sig also reads plain UTF-8, and drops a BOM the detection may have missed.
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    return io.TextIOWrapper(file, encoding=codec, errors="strict", newline="")


def _sample_text(file: BinaryIO, encoding: str) -> str:
    stream = _text_stream(file, encoding)
    try:
        return stream.read(SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"the file is not valid {encoding}: {exc.reason}") from None
    finally:
        stream.detach()
        file.seek(0)


def detect_dialect(file: BinaryIO, *, encoding: str = "", delimiter: str = "") -> Dialect:
    """Detected (or overridden) encoding and delimiter of a CSV file."""
    encoding = normalize_encoding_name(encoding) if encoding else detect_encoding(file)
    delimiter = parse_delimiter(delimiter) if delimiter else detect_delimiter(_sample_text(file, encoding))
    return Dialect(encoding=encoding, delimiter=delimiter)


def unique_headers(raw: list[str]) -> list[str]:
    """Trimmed header names; blanks become `column_N`, repeats get ` (2)`, ` (3)`."""
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(raw, start=1):
        name = name.replace("\ufeff", "").strip() or f"column_{index}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


class RowReader:
    """Iterates a CSV file as (row number, cells) after the header row.

    Row numbers count records, the header being row 1, so they match the line numbers a
    spreadsheet shows (a quoted newline stays inside its record). `bytes_read` is how far
    into the file the reader is, for progress.
    """

    def __init__(self, file: BinaryIO, dialect: Dialect):
        self.file = file
        self.dialect = dialect
        self.stream = _text_stream(file, dialect.encoding)
        csv.field_size_limit(MAX_FIELD_CHARS)
        self.reader = csv.reader(self.stream, delimiter=dialect.delimiter, strict=False)
        self.row_number = 0
        try:
            first = next(self.reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise CsvFormatError(_describe(exc, 1, dialect)) from None
        self.row_number = 1
        self.headers = unique_headers(first or [])

    @property
    def bytes_read(self) -> int:
        try:
            return self.file.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            try:
                row = next(self.reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                raise CsvFormatError(_describe(exc, self.row_number + 1, self.dialect)) from None
            self.row_number += 1
            if not row or all(not cell.strip() for cell in row):
                continue
            yield self.row_number, row

    def close(self) -> None:
        self.stream.detach()


def _describe(exc: Exception, row_number: int, dialect: Dialect) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"row {row_number}: the file is not valid {dialect.encoding} ({exc.reason}); choose its encoding"
    return f"row {row_number}: {exc}"


def read_sample(file: BinaryIO, *, encoding: str = "", delimiter: str = "", rows: int = 5) -> FileSample:
    """Dialect, header and the first few rows: what the mapping step shows."""
    dialect = detect_dialect(file, encoding=encoding, delimiter=delimiter)
    reader = RowReader(file, dialect)
    try:
        sample = []
        for _number, row in reader:
            sample.append(row)
            if len(sample) >= rows:
                break
        return FileSample(encoding=dialect.encoding, delimiter=dialect.delimiter, headers=reader.headers, rows=sample)
    finally:
        reader.close()
        file.seek(0)
