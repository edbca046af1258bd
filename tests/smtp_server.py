"""A real SMTP server (aiosmtpd) for a test, with Django's SMTP settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aiosmtpd.controller import Controller

from tests.core.sarnakh_process import free_port


@contextmanager
def smtp_server(handler: Any, settings: Any) -> Iterator[Controller]:
    """Starts `handler` on a free local port, sends Django's mail there, stops it after."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield controller
    finally:
        controller.stop()
