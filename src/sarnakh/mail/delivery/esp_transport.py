"""Sending through an ESP's API with django-anymail (`SARNAKH_EMAIL_URL=anymail://` and
`SARNAKH_ESP`): the same interface as the SMTP transport, fed the same built message.

The message email_send built (text and HTML parts, From, To, Reply-To, Subject, Date,
Message-ID, List-Unsubscribe and List-Unsubscribe-Post, the caller's own headers) is
handed to the ESP as a Django EmailMultiAlternatives with those headers; our DKIM
signature is left off (the ESP re-encodes the message, which would break it, and signs with
the domain set up at the ESP). The VERP return path is not used: the ESP takes the bounces
and reports them through its webhook (mail.bounces). `send` returns the ESP's message id,
which its webhooks name.

Failures: the ESP refusing the recipient (AnymailRecipientsRefused: invalid, bounced
before, unsubscribed at the ESP) is permanent; anything else (the API down, a timeout, a
configuration error) is temporary, so a retry can send once it is fixed."""

from __future__ import annotations

import email
import email.policy

from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.core.mail import EmailMultiAlternatives, get_connection

from sarnakh.mail.delivery.transport import SendFailure

# Headers the Django message writes itself (or that must not reach the ESP).
_OWN = {"from", "to", "cc", "subject", "reply-to", "mime-version", "content-type", "content-transfer-encoding",
        "dkim-signature", "return-path"}


def _parts(msg) -> tuple[str, str]:
    text = html = ""
    for part in msg.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/plain" and not text:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and not html:
            html = part.get_content()
    return text, html


def django_message(data: bytes, recipients: list[str]) -> EmailMultiAlternatives:
    """The built message as Django's, with its headers (no DKIM signature)."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    text, html = _parts(msg)
    headers = {name: str(value) for name, value in msg.items() if name.lower() not in _OWN}
    reply_to = [str(msg["Reply-To"])] if msg["Reply-To"] else []
    message = EmailMultiAlternatives(subject=str(msg["Subject"] or ""), body=text, from_email=str(msg["From"]),
                                     to=[str(msg["To"])] if msg["To"] else recipients, reply_to=reply_to, headers=headers)
    if html:
        message.attach_alternative(html, "text/html")
    return message


class EspTransport:
    """Opens the ESP backend's connection on enter, sends many, closes on exit."""

    def __init__(self, backend: str | None = None):
        self.backend = backend
        self.connections = 0
        self._connection = None

    def __enter__(self) -> EspTransport:
        self._connection = get_connection(self.backend, fail_silently=False)
        self._connection.open()
        self.connections += 1
        return self

    def __exit__(self, *exc) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def send(self, *, envelope_from: str, recipients: list[str], data: bytes) -> str:
        message = django_message(data, recipients)
        message.connection = self._connection or get_connection(self.backend, fail_silently=False)
        try:
            message.send()
        except AnymailRecipientsRefused as exc:
            raise SendFailure(f"ESP refused the recipient: {exc}", permanent=True) from exc
        except AnymailError as exc:
            raise SendFailure(f"ESP: {exc}", permanent=False) from exc
        status = getattr(message, "anymail_status", None)
        found = getattr(status, "message_id", None) if status is not None else None
        return "" if found is None else str(found)
