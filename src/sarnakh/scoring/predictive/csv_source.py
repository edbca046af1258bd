"""Reading a CSV export from any tool into a `Table`. Pure: no ORM, no Django.

The encoding and delimiter detection is the one `sarnakh import` uses
(`sarnakh.core.csv_engine`, itself pure): BOM first, strict UTF-8, Windows-1256 for
Persian/Arabic text (what Persian Excel writes), charset-normalizer as the last resort,
and the stdlib csv.Sniffer for the delimiter. One reader for the product means a file
that imports also evaluates, with the same answers.

No pandas: its reader detects neither encoding nor delimiter, and its type inference is
the part replaced here anyway (placeholders such as "Select", Persian digits, Jalali
dates are for `features` to judge). The cells stay strings until profiled.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sarnakh.core.csv_engine import CsvFormatError, RowReader, detect_dialect

from .features import DataError, Table


@dataclass
class CsvTable:
    table: Table
    encoding: str
    delimiter: str


def read_csv_table(path: Path | str, *, encoding: str = "", delimiter: str = "") -> CsvTable:
    """The whole file as a Table (blank rows skipped, short rows padded). Raises DataError
    with a message for the person who gave the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"no such file: {path}")
    try:
        with open(path, "rb") as file:
            dialect = detect_dialect(file, encoding=encoding, delimiter=delimiter)
            reader = RowReader(file, dialect)
            try:
                rows = [row for _number, row in reader]
            finally:
                reader.close()
    except CsvFormatError as exc:
        raise DataError(f"cannot read {path.name}: {exc}") from None
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not reader.headers or not rows:
        raise DataError(f"{path.name} has no data rows: a header row and one row per lead are needed")
    table = Table.from_rows(reader.headers, rows)
    return CsvTable(table=table, encoding=dialect.encoding, delimiter=dialect.delimiter)
