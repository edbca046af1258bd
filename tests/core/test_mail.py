"""Email goes to a real SMTP server (aiosmtpd) started by the test."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from django.core import mail
from django.test import override_settings

from sarnakh.config import parse_email_url
from tests.core.sarnakh_process import free_port, run_sarnakh

USER, PASSWORD = "mailer", "s3cret/p@ss:word%"  # smtplib only sends ASCII credentials
SECRET = quote(PASSWORD, safe="")


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage
    login: str


@dataclass
class Sink:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data.decode() if session.authenticated and isinstance(session.auth_data, bytes) else ""
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, login))
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False, auth_data=auth_data.login if ok else None)


@pytest.fixture
def smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), authenticator=_authenticator, auth_require_tls=False)
    controller.start()
    try:
        yield sink, controller.port
    finally:
        controller.stop()


def _django_email_settings(url: str) -> dict:
    config = parse_email_url(url)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": config.host,
        "EMAIL_PORT": config.port,
        "EMAIL_HOST_USER": config.user,
        "EMAIL_HOST_PASSWORD": config.password,
        "EMAIL_USE_TLS": config.use_tls,
        "EMAIL_USE_SSL": config.use_ssl,
        "EMAIL_TIMEOUT": config.timeout,
    }


def test_given_smtp_url_when_sending_persian_text_then_the_server_receives_it_intact(smtp_server):
    sink, port = smtp_server
    url = f"smtp://{USER}:{SECRET}@127.0.0.1:{port}?timeout=5"
    with override_settings(**_django_email_settings(url)):
        sent = mail.send_mail(
            "سرنخ جدید: علی رضایی",
            "سلام مریم،\nیک سرنخ جدید از فرم دمو رسید. شماره: ۰۹۱۲ ۳۴۵ ۶۷۸۹",
            "Sarnakh <sarnakh@example.ir>",
            ["maryam@example.ir"],
        )
    assert sent == 1
    [received] = sink.received
    assert received.login == USER
    assert received.recipients == ["maryam@example.ir"]
    assert received.message["Subject"] == "سرنخ جدید: علی رضایی"
    assert "یک سرنخ جدید از فرم دمو رسید" in received.message.get_content()


def test_given_wrong_password_when_sending_then_it_fails_loudly_and_nothing_is_delivered(smtp_server):
    sink, port = smtp_server
    with override_settings(**_django_email_settings(f"smtp://{USER}:wrong@127.0.0.1:{port}?timeout=5")):
        with pytest.raises(Exception, match="535|uthentication"):
            mail.send_mail("x", "y", "a@example.ir", ["b@example.ir"])
    assert sink.received == []


def test_given_sarnakh_email_url_in_the_environment_then_the_configured_server_gets_the_mail(smtp_server, tmp_path):
    sink, port = smtp_server
    url = f"smtp://{USER}:{SECRET}@127.0.0.1:{port}?timeout=5"
    done = run_sarnakh(tmp_path, "manage", "sendtestemail", "ops@example.ir", SARNAKH_EMAIL_URL=url, SARNAKH_EMAIL_FROM="Sarnakh <noreply@example.ir>")
    assert done.returncode == 0, done.stderr
    [received] = sink.received
    assert received.recipients == ["ops@example.ir"] and received.login == USER
    assert received.sender == "noreply@example.ir"


def test_given_no_email_url_then_mail_is_written_to_the_outbox_and_not_sent(tmp_path):
    done = run_sarnakh(tmp_path, "manage", "sendtestemail", "ops@example.ir")
    assert done.returncode == 0, done.stderr
    outbox = list((tmp_path / "outbox").iterdir())
    assert len(outbox) == 1 and "ops@example.ir" in outbox[0].read_text()
