"""Notification emails go to a real SMTP server, exactly once per submission and recipient,
with every visitor-typed value escaped in the HTML part."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from sarnakh.capture.forms.models import FormNotification, FormSubmission
from sarnakh.capture.forms.processing import notification_send
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.forms.support import make_form, post_json, submission_body

pytestmark = pytest.mark.django_db
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


class Sink:
    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp():
    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port,
            EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", EMAIL_USE_TLS=False, EMAIL_USE_SSL=False, EMAIL_TIMEOUT=10,
        ):
            yield sink
    finally:
        controller.stop()


def _parts(envelope) -> tuple[str, str, email.message.EmailMessage]:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html, message


def test_given_form_with_recipients_when_submitted_then_each_gets_one_email_even_if_jobs_run_twice(smtp):
    # given
    form = make_form(notify_emails=["sales@example.com", "Boss@Example.com"])
    # when
    post_json(form.slug, submission_body())
    run_pending_jobs()
    # then
    assert sorted(rcpt for m in smtp.messages for rcpt in m.rcpt_tos) == ["boss@example.com", "sales@example.com"]
    # when: the jobs run again (a retry after a crash, a second worker)
    for notification in FormNotification.objects.all():
        assert notification.sent_at is not None
        assert notification_send(notification_id=notification.pk) is False
    run_pending_jobs()
    # then: nothing more was sent
    assert len(smtp.messages) == 2
    text, html, message = _parts(smtp.messages[0])
    assert "New submission: Contact us" in message["Subject"]
    assert "sara@example.com" in text and "Atlas Analytics" in html
    assert message["Message-ID"].startswith("<form-submission-")


def test_given_xss_in_every_field_when_notified_then_html_part_escapes_it(smtp):
    form = make_form(notify_emails=["sales@example.com"])
    body = submission_body(first_name=XSS[:100], company=XSS, message=XSS)
    body["fields"]["interest"] = "crm"
    body["context"]["page_url"] = "https://example.com/?q=" + XSS
    assert post_json(form.slug, body).status_code == 201
    run_pending_jobs()
    assert FormSubmission.objects.get().status == "processed"
    text, html, _message = _parts(smtp.messages[0])
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert XSS in text  # the plain-text part shows what was typed


def test_given_smtp_down_when_notifying_then_error_recorded_and_sent_later(smtp):
    form = make_form(notify_emails=["sales@example.com"])
    post_json(form.slug, submission_body())
    with override_settings(EMAIL_PORT=_free_port()):  # nobody listens there
        run_pending_jobs()
    notification = FormNotification.objects.get()
    assert notification.sent_at is None and notification.error
    assert smtp.messages == []
    assert notification_send(notification_id=notification.pk) is True
    assert len(smtp.messages) == 1
    assert notification_send(notification_id=notification.pk) is False
