"""The SMTP transport: one connection for a batch, failures sorted into permanent and
temporary (synchronous smtplib; campaign workers call it).

    with smtp_transport() as transport:
        for built in messages:
            transport.send(envelope_from=..., recipients=[...], data=built.data)

A 5xx reply to MAIL, RCPT or DATA is permanent (`SendFailure.permanent`: a hard bounce);
a 4xx reply or a connection error is temporary (the caller retries with backoff). A
connection found dropped before a message starts (the server closed an idle session) is
reopened once; one dropped during DATA is not resent here — the server may have taken the
message, so the caller's retry decides (at-least-once, see docs/email-delivery.md).

`send(..., at_end=f)` splits DATA so that recording "sent" and the final dot cannot be
separated by a crash: the content goes out, the dot is handed to the kernel held back
(TCP_CORK), the caller commits, the dot is released (docs/email-campaigns.md, "Exactly
once")."""

from __future__ import annotations

import smtplib
import socket
import ssl
import struct
import uuid
from collections.abc import Callable
from pathlib import Path

from sarnakh.config import EmailConfig

# Linux's socket option that holds written data in the kernel until it is cleared.
_CORK = getattr(socket, "TCP_CORK", None)

CONNECT_ERRORS = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError, OSError)


class SendFailure(Exception):
    def __init__(self, message: str, *, permanent: bool, code: int | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def _reply(code: int, reply: bytes | str, stage: str) -> SendFailure:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return SendFailure(f"{stage}: {code} {text}".strip(), permanent=500 <= code < 600, code=code)


class SmtpTransport:
    """Opens on enter, sends many, closes on exit. `connections` counts opened sessions."""

    def __init__(self, config: EmailConfig, *, local_hostname: str | None = None):
        self.config = config
        self.local_hostname = local_hostname
        self.connections = 0
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        c = self.config
        try:
            if c.use_ssl:
                smtp = smtplib.SMTP_SSL(c.host, c.port, local_hostname=self.local_hostname, timeout=c.timeout,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(c.host, c.port, local_hostname=self.local_hostname, timeout=c.timeout)
            smtp.ehlo_or_helo_if_needed()
            if c.use_tls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if c.user:
                smtp.login(c.user, c.password)
        except smtplib.SMTPAuthenticationError as exc:
            raise SendFailure(f"login: {exc.smtp_code} {exc.smtp_error!r}", permanent=False, code=exc.smtp_code) from exc
        except smtplib.SMTPResponseException as exc:
            raise _reply(exc.smtp_code, exc.smtp_error, "connect") from exc
        except CONNECT_ERRORS as exc:
            raise SendFailure(f"connect: {exc}", permanent=False) from exc
        try:  # the end-of-data dot is a small write after a large one: no Nagle delay on it
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except (OSError, AttributeError):
            pass
        self._smtp = smtp
        self.connections += 1

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _start(self, envelope_from: str) -> smtplib.SMTP:
        """MAIL FROM on an open session; reopens once when the session was dropped."""
        for attempt in (1, 2):
            if self._smtp is None:
                self.open()
            smtp = self._smtp
            try:
                code, reply = smtp.mail(envelope_from)
            except CONNECT_ERRORS as exc:
                self._smtp = None
                smtp.close()
                if attempt == 2:
                    raise SendFailure(f"connection dropped: {exc}", permanent=False) from exc
                continue
            if code != 250:
                self._reset()
                raise _reply(code, reply, "MAIL FROM")
            return smtp
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except CONNECT_ERRORS:
            self._smtp = None

    def send(self, *, envelope_from: str, recipients: list[str], data: bytes, at_end: AtEnd | None = None) -> None:
        """Sends one message to its recipients; raises SendFailure.

        `at_end(queue_end, release_end)` runs after the whole content went out and must
        call both, in its transaction: `queue_end()` hands the final "<CRLF>.<CRLF>" to the
        kernel held back (TCP_CORK), the caller commits "sent", then `release_end()` lets it
        go. A process killed after `queue_end` still sends the dot (the kernel flushes a
        dead process's socket), so a commit that reached the database always has its dot;
        when `at_end` raises, the held dot is thrown away with the connection (a reset) and
        the server discards the unfinished message. The exception propagates; a lost
        connection is a temporary SendFailure."""
        smtp = self._start(envelope_from)
        try:
            for rcpt in recipients:
                code, reply = smtp.rcpt(rcpt)
                if code not in (250, 251):
                    self._reset()
                    raise _reply(code, reply, "RCPT TO")
            if at_end is None:
                code, reply = smtp.data(data)
            else:
                code, reply = self._data_split(smtp, data, at_end)
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _reply(exc.smtp_code, exc.smtp_error, "DATA") from exc
        except CONNECT_ERRORS as exc:
            self._smtp = None
            raise SendFailure(f"connection lost: {exc}", permanent=False) from exc
        if code != 250:
            self._reset()
            raise _reply(code, reply, "DATA")

    def _data_split(self, smtp: smtplib.SMTP, data: bytes, at_end: AtEnd) -> tuple[int, bytes]:
        """smtplib's DATA in steps: the dot-stuffed content, then `at_end` (which queues
        the end-of-data dot and releases it around its commit), then the server's reply."""
        code, reply = smtp.docmd("data")
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = smtplib._quote_periods(data)
        if body[-2:] != smtplib.bCRLF:
            body += smtplib.bCRLF
        smtp.send(body)
        dot = _HeldDot(smtp)
        try:
            at_end(dot.queue, dot.release)
            dot.release()  # a caller that only queued it: the dot must leave
        except BaseException:
            self._smtp = None
            dot.discard()
            raise
        if not dot.queued:
            self._smtp = None
            dot.discard()
            raise RuntimeError("at_end returned without the end-of-data dot")
        return smtp.getreply()


AtEnd = Callable[[Callable[[], None], Callable[[], None]], object]


class _HeldDot:
    """The end-of-data dot written behind TCP_CORK: in the kernel (it leaves even if this
    process dies next), not on the wire (a reset can still take it back). Linux sends
    corked data after 200 ms regardless, so a commit slower than that can no longer take
    the dot back if it then fails. Without TCP_CORK (not Linux) the dot is written at
    `release`, after the caller's commit."""

    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp
        self.queued = self.released = False
        self.corked = False

    def queue(self) -> None:
        if self.queued:
            raise RuntimeError("the end-of-data dot was already queued")
        self.queued = True
        if _CORK is not None:
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, _CORK, 1)
            self.corked = True
            self.smtp.send(b"." + smtplib.bCRLF)

    def release(self) -> None:
        if not self.queued or self.released:
            return
        self.released = True
        if self.corked:
            self.smtp.sock.setsockopt(socket.IPPROTO_TCP, _CORK, 0)
        else:
            self.smtp.send(b"." + smtplib.bCRLF)

    def discard(self) -> None:
        """Closes the session; a dot still held goes with it (SO_LINGER 0: a reset instead
        of the kernel flushing it)."""
        try:
            if self.corked and not self.released and self.smtp.sock is not None:
                self.smtp.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.smtp.close()


class OutboxTransport:
    """No SMTP server configured: each message is written to `directory` as an .eml file
    (as Django's file backend does for the rest of Sarnakh's mail)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.connections = 0

    def __enter__(self) -> OutboxTransport:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.connections += 1
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send(self, *, envelope_from: str, recipients: list[str], data: bytes, at_end: AtEnd | None = None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if at_end is not None:
            at_end(lambda: None, lambda: None)
        head = f"X-Envelope-From: {envelope_from}\r\nX-Envelope-To: {', '.join(recipients)}\r\n".encode()
        (self.directory / f"{uuid.uuid4().hex}.eml").write_bytes(head + data)


def transport_for(config: EmailConfig, outbox: Path) -> SmtpTransport | OutboxTransport:
    return SmtpTransport(config) if config.backend == "smtp" else OutboxTransport(outbox)
