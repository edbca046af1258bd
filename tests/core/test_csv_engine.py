import codecs
import io

import pytest

from sarnakh.core.csv_engine import (
    CsvFormatError,
    Dialect,
    RowReader,
    detect_delimiter,
    detect_dialect,
    detect_encoding,
    parse_delimiter,
    read_sample,
    unique_headers,
)

PERSIAN = "نام,نام خانوادگی,ایمیل\r\nعلی,رضایی,ali@example.com\r\nمریم,احمدی,maryam@example.com\r\n"


def cp1256(text: str) -> bytes:
    """What Persian Excel on Windows writes: Windows-1256 has Arabic yeh, not Persian yeh."""
    return text.replace("ی", "ي").encode("cp1256")


def rows_of(data: bytes, **override) -> tuple[list[str], list[tuple[int, list[str]]]]:
    file = io.BytesIO(data)
    dialect = detect_dialect(file, **override)
    reader = RowReader(file, dialect)
    try:
        return reader.headers, list(reader)
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PERSIAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + PERSIAN.encode("utf-8"), "utf-8-sig"),
        (PERSIAN.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + PERSIAN.encode("utf-16-be"), "utf-16"),
        (PERSIAN.encode("utf-16-le"), "utf-16-le"),
        (cp1256(PERSIAN), "cp1256"),
        (b"", "utf-8"),
    ],
)
def test_given_file_in_each_encoding_when_detecting_then_right_codec(data, expected):
    assert detect_encoding(io.BytesIO(data)) == expected


def test_given_western_legacy_file_when_detecting_then_charset_normalizer_picks_a_codec_that_reads_it():
    encoding = detect_encoding(io.BytesIO(b"first,last\nJos\xe9,M\xfcller\nFran\xe7ois,Gar\xe7on\n"))
    assert "José,Müller" in b"first,last\nJos\xe9,M\xfcller\n".decode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
def test_given_persian_file_in_encoding_when_reading_then_same_rows(encoding):
    data = cp1256(PERSIAN) if encoding == "cp1256" else PERSIAN.encode(encoding)
    headers, rows = rows_of(data)
    fold = (lambda t: t.replace("ی", "ي")) if encoding == "cp1256" else (lambda t: t)
    assert headers == [fold(h) for h in ["نام", "نام خانوادگی", "ایمیل"]]
    assert rows == [(2, [fold("علی"), fold("رضایی"), "ali@example.com"]), (3, [fold("مریم"), fold("احمدی"), "maryam@example.com"])]


def test_given_persian_text_not_valid_utf8_late_in_file_when_detecting_then_cp1256():
    # The first megabyte is plain ASCII; the Persian rows come after it.
    data = ("email,note\r\n" + "x@example.com,hello\r\n" * 60000).encode() + cp1256("a@example.com,سلام دنیا\r\n")
    assert len(data) > 1024 * 1024
    assert detect_encoding(io.BytesIO(data)) == "cp1256"


@pytest.mark.parametrize(("delimiter", "text"), [(",", "a,b,c\n1,2,3\n"), (";", "a;b;c\n1;2,5;3\n"), ("\t", "a\tb\tc\n1\t2\t3\n")])
def test_given_delimiters_when_sniffing_then_found(delimiter, text):
    assert detect_delimiter(text) == delimiter


def test_given_single_column_when_sniffing_then_comma_fallback():
    assert detect_delimiter("email\nx@example.com\n") == ","


def test_given_quoted_newlines_and_semicolons_when_reading_then_records_keep_them_and_row_numbers_count_records():
    data = b'name;notes;email\r\n"Ali";"line one\r\nline two; still";a@example.com\r\nSara;;s@example.com\r\n'
    headers, rows = rows_of(data)
    assert headers == ["name", "notes", "email"]
    assert rows[0] == (2, ["Ali", "line one\r\nline two; still", "a@example.com"])
    assert rows[1] == (3, ["Sara", "", "s@example.com"])


def test_given_blank_lines_when_reading_then_skipped_but_counted():
    _headers, rows = rows_of(b"email\n\na@example.com\n,\nb@example.com\n")
    assert rows == [(3, ["a@example.com"]), (5, ["b@example.com"])]


def test_given_overrides_when_detecting_then_used():
    dialect = detect_dialect(io.BytesIO(cp1256(PERSIAN)), encoding="windows-1256", delimiter="tab")
    assert dialect == Dialect(encoding="cp1256", delimiter="\t")
    with pytest.raises(CsvFormatError):
        detect_dialect(io.BytesIO(b"a"), encoding="no-such-codec")
    with pytest.raises(CsvFormatError):
        parse_delimiter('"')


def test_given_wrong_encoding_override_when_reading_then_clear_error_with_row():
    with pytest.raises(CsvFormatError, match="utf-8"):
        rows_of(cp1256(PERSIAN), encoding="utf-8")


def test_given_headers_with_blanks_and_repeats_then_unique():
    assert unique_headers(["\ufeffEmail", "", "Phone", "Phone", " "]) == ["Email", "column_2", "Phone", "Phone (2)", "column_5"]


def test_read_sample_gives_dialect_headers_and_first_rows():
    sample = read_sample(io.BytesIO(b"a\tb\n1\t2\n3\t4\n5\t6\n"), rows=2)
    assert (sample.encoding, sample.delimiter, sample.headers, sample.rows) == ("utf-8", "\t", ["a", "b"], [["1", "2"], ["3", "4"]])


def test_given_large_file_when_reading_then_reader_tracks_bytes_without_loading_all():
    data = b"email\n" + b"".join(b"u%d@example.com\n" % i for i in range(50000))
    file = io.BytesIO(data)
    reader = RowReader(file, Dialect("utf-8", ","))
    positions = []
    for number, _row in reader:
        if number % 10000 == 0:
            positions.append(reader.bytes_read)
    assert positions == sorted(positions) and positions[0] < len(data)
    assert reader.row_number == 50001
