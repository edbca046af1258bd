"""Logging filters used by settings.LOGGING."""

from __future__ import annotations

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """Drops the traceback from records about 4xx responses.

    Django logs a refused request (403 PermissionDenied, 400 bad request, suspicious
    operations) with the exception attached, so every probe of a page the visitor may not
    see wrote a full stack trace. The client's mistake is not the server's: one line with
    the status and path says all there is. Server errors (5xx) keep their traceback.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True
