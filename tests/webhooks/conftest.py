"""Webhook test kit: event types of the tests' own, a real HTTP receiver on this machine,
a real SMTP server, and helpers to make retries come due."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.server
import json
import threading
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from sarnakh.core.events import DomainEvent, domain_event, publish
from sarnakh.webhooks import fast_send, services
from tests.smtp_server import smtp_server

LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@domain_event("webhooks_test.qualified", label="Lead qualified (webhook tests)")
@dataclass(frozen=True, kw_only=True)
class LeadQualified(DomainEvent):
    email: str = ""
    full_name: str = ""
    score: int = 0


@domain_event("webhooks_test.noted", label="Note added (webhook tests)")
@dataclass(frozen=True, kw_only=True)
class NoteAdded(DomainEvent):
    text: str = ""


def publish_now(*events: DomainEvent) -> None:
    """Publishes in a transaction of its own, as a service would."""
    with transaction.atomic():
        for event in events:
            publish(event, actor="webhook tests")


def make_due() -> None:
    """Retries wait in the queue until their time (real time); they come due now."""
    DBTaskResult.objects.filter(status="READY").update(run_after=LONG_AGO)


def ready_jobs(task_name: str) -> list[DBTaskResult]:
    return [job for job in DBTaskResult.objects.filter(status="READY") if job.task_path.endswith(task_name)]


# ---------------------------------------------------------------- HTTP receiver


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """Answers each POST with the next programmed answer (then with the last one)."""

    port: int = 0
    requests: list[Request] = field(default_factory=list)
    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=lambda: [(200, {}, b"ok")])
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/sarnakh"

    def answer(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.answers = [(status, headers, body)]

    def answer_in_turn(self, *answers: tuple[int, dict[str, str], bytes]) -> None:
        self.answers = list(answers)

    def wait_for(self, count: int, *, timeout: float = 10.0) -> bool:
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)


def _serve(state: Receiver, tls=None):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status, headers, answer = state.answers[0] if len(state.answers) == 1 else state.answers.pop(0)
            # Noted before answering: the sender may look the moment it has the answer.
            with state.arrived:
                state.requests.append(Request(self.path, dict(self.headers.items()), body))
                state.arrived.notify_all()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    state.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def receiver():
    """An HTTP receiver on this machine."""
    state = Receiver()
    server = _serve(state)
    try:
        yield state
    finally:
        fast_send.wait_idle(timeout=30)
        server.shutdown()
        server.server_close()


@pytest.fixture
def tls_receiver(tmp_path, monkeypatch):
    """An HTTPS receiver on this machine with a certificate for `localhost` from a test
    CA that the sender trusts (through SSL_CERT_FILE, which OpenSSL's default paths read)."""
    import ssl

    import trustme

    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    state = Receiver()
    server = _serve(state, tls=context)
    try:
        yield state
    finally:
        fast_send.wait_idle(timeout=30)
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_private(settings):
    """The operator setting that lets webhooks reach this machine (the receiver)."""
    settings.SARNAKH_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def hook(receiver, allow_private):
    """A JSON webhook to the receiver, for every event."""
    return services.webhook_create(url=receiver.url, events=["*"], name="Receiver")


# ---------------------------------------------------------------- SMTP server


@dataclass
class Mailbox:
    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    """A real SMTP server; Django sends to it."""
    box = Mailbox()
    with smtp_server(box, settings):
        yield box
