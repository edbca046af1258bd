"""A refused request (4xx) is logged as one line, without a stack trace; 5xx keep theirs."""

from __future__ import annotations

import io
import logging

import pytest

from sarnakh.core.log_filters import ClientErrorsOnOneLine


@pytest.fixture
def console_output():
    """What the configured console handler writes (settings.LOGGING), captured."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    buffer = io.StringIO()
    # Not setStream: it flushes the old stream, which an earlier in-process CLI test may have
    # left pointing at a capture file pytest has closed since.
    previous, handler.stream = handler.stream, buffer
    yield buffer
    handler.stream = previous


@pytest.mark.django_db
def test_given_a_forbidden_page_when_requested_then_one_log_line_without_traceback(sales_client, caplog, console_output):
    response = sales_client.get("/settings/users/")

    assert response.status_code == 403
    lines = console_output.getvalue().splitlines()
    assert len(lines) == 1 and "Forbidden (Permission denied): /settings/users/" in lines[0]
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1 and records[0].exc_info is None
    assert "Traceback" not in caplog.text


def _record(status: int) -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Failed: %s", ("/x",), sys.exc_info())
    record.status_code = status
    return record


def test_given_a_server_error_then_the_traceback_is_kept():
    record = _record(500)

    assert ClientErrorsOnOneLine().filter(record) and record.exc_info is not None


def test_given_a_client_error_then_the_traceback_is_dropped():
    record = _record(403)

    assert ClientErrorsOnOneLine().filter(record) and record.exc_info is None
