"""The IMAP road with a stand-in server (imaplib's client replaced): what is searched,
fetched without marking it read, and filed: MOVE when offered, else COPY then \\Deleted
and EXPUNGE, never \\Deleted after a failed COPY; STARTTLS on imap:// when offered."""

from __future__ import annotations

import imaplib

import pytest

from sarnakh.mail.bounces import mailbox
from sarnakh.mail.bounces.mailbox import MailboxError, open_mailbox


class FakeImap:
    error = imaplib.IMAP4.error  # the module's name for it is this class while patched
    messages = {b"7": b"Subject: one\r\n\r\nx", b"9": b"Subject: two\r\n\r\ny"}
    capabilities_offered = ("IMAP4REV1", "MOVE")
    copy_answer = "OK"

    def __init__(self, host, port, **kwargs):
        self.calls = [("connect", host, port)]
        self.capabilities = self.capabilities_offered
        FakeImap.last = self

    def starttls(self, ssl_context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user))
        if password == "wrong":
            raise self.error("[AUTHENTICATIONFAILED] Invalid credentials")

    def select(self, folder):
        self.calls.append(("select", folder))
        return "OK", [b"2"]

    def create(self, folder):
        self.calls.append(("create", folder))
        return "NO", [b"[ALREADYEXISTS]"]

    def uid(self, command, *args):
        self.calls.append(("uid", command, *args))
        if command == "SEARCH":
            return "OK", [b" ".join(self.messages)]
        if command == "FETCH":
            return "OK", [(b"1 (UID " + args[0] + b" BODY[] {10}", self.messages[args[0]]), b")"]
        if command == "COPY":
            return self.copy_answer, [b""]
        return "OK", [b""]

    def expunge(self):
        self.calls.append(("expunge",))

    def logout(self):
        self.calls.append(("logout",))


@pytest.fixture
def fake(monkeypatch):
    FakeImap.capabilities_offered = ("IMAP4REV1", "MOVE")
    FakeImap.copy_answer = "OK"
    monkeypatch.setattr(mailbox.imaplib, "IMAP4_SSL", FakeImap)
    monkeypatch.setattr(mailbox.imaplib, "IMAP4", FakeImap)
    return FakeImap


def test_given_imaps_with_move_then_a_batch_is_peeked_and_each_message_moved(fake):
    box = open_mailbox("imaps://bounce%40example.ir:s3cret@imap.example.ir/INBOX")

    batch = box.batch(1)
    box.done(batch[0][0])
    box.close()

    assert batch == [("7", b"Subject: one\r\n\r\nx")]
    calls = fake.last.calls
    assert calls[0] == ("connect", "imap.example.ir", 993) and ("login", "bounce@example.ir") in calls
    assert ("uid", "FETCH", b"7", "(BODY.PEEK[])") in calls  # PEEK: not marked read before it is applied
    assert ("uid", "MOVE", "7", '"Processed"') in calls and ("expunge",) not in calls


def test_given_a_server_without_move_then_copy_then_deleted_then_expunge(fake):
    fake.capabilities_offered = ("IMAP4REV1", "STARTTLS")
    box = open_mailbox("imap://u:p@mail.example.ir/Bounces?processed=Done")

    box.done("9")
    box.close()

    calls = fake.last.calls
    assert calls[1] == ("starttls",) and ("select", '"Bounces"') in calls
    assert calls[-4:] == [("uid", "COPY", "9", '"Done"'), ("uid", "STORE", "9", "+FLAGS.SILENT", r"(\Deleted)"),
                          ("expunge",), ("logout",)]


def test_given_the_copy_fails_then_the_message_is_not_flagged_deleted(fake):
    fake.capabilities_offered = ("IMAP4REV1",)
    fake.copy_answer = "NO"
    box = open_mailbox("imap://u:p@mail.example.ir/INBOX")

    box.done("9")

    assert not any(call[:2] == ("uid", "STORE") for call in fake.last.calls)


def test_given_a_refused_login_then_a_mailbox_error_names_the_server(fake):
    with pytest.raises(MailboxError, match="imap.example.ir"):
        open_mailbox("imaps://u:wrong@imap.example.ir/INBOX")
