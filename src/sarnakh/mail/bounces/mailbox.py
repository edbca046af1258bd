"""The bounce mailbox (SARNAKH_BOUNCE_MAILBOX), read in bounded batches.

    maildir:///var/mail/bounces           Python's mailbox.Maildir; read messages move to .Processed
    imaps://user:pass@host[:993]/INBOX    IMAP over TLS
    imap://user:pass@host[:143]/INBOX     IMAP, upgraded with STARTTLS when the server offers it

A message is moved to the `Processed` folder (`?processed=Name` to choose another) only
after its outcome is committed; a crash in between leaves it in the inbox, and the receipt
table makes the second reading change nothing. Nothing is ever deleted without a copy."""

from __future__ import annotations

import imaplib
import mailbox
import re
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlparse

DEFAULT_PROCESSED = "Processed"
MAX_MESSAGE_BYTES = 10 * 1024 * 1024  # a larger message is read only this far (bounces are small)
IMAP_TIMEOUT = 30
_FOLDER_RE = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9._/ -]{0,99}$")  # no "..", no leading "/" or "."


class MailboxError(Exception):
    """The mailbox cannot be opened or read (bad URL, refused login, network)."""


@dataclass(frozen=True)
class MailboxUrl:
    scheme: str  # maildir | imap | imaps
    path: str = ""  # maildir directory
    host: str = ""
    port: int = 0
    user: str = ""
    password: str = ""
    folder: str = "INBOX"
    processed: str = DEFAULT_PROCESSED


def parse_mailbox_url(url: str) -> MailboxUrl:
    parts = urlparse((url or "").strip())
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    processed = query.get("processed", DEFAULT_PROCESSED)
    if not _FOLDER_RE.match(processed):
        raise MailboxError(f"SARNAKH_BOUNCE_MAILBOX: bad processed folder name {processed!r}")
    if parts.scheme == "maildir":
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise MailboxError("SARNAKH_BOUNCE_MAILBOX: maildir:///absolute/path")
        return MailboxUrl(scheme="maildir", path=path, processed=processed)
    if parts.scheme in ("imap", "imaps"):
        if not parts.hostname or not parts.username:
            raise MailboxError("SARNAKH_BOUNCE_MAILBOX: imaps://user:password@host[:port]/FOLDER")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        if not _FOLDER_RE.match(folder):
            raise MailboxError(f"SARNAKH_BOUNCE_MAILBOX: bad folder name {folder!r}")
        return MailboxUrl(scheme=parts.scheme, host=parts.hostname, port=parts.port or (993 if parts.scheme == "imaps" else 143),
                          user=unquote(parts.username), password=unquote(parts.password or ""), folder=folder,
                          processed=processed)
    raise MailboxError(f"SARNAKH_BOUNCE_MAILBOX: unsupported scheme {parts.scheme!r} (use maildir://, imaps:// or imap://)")


class BounceMailbox(Protocol):
    def batch(self, limit: int) -> list[tuple[str, bytes]]: ...
    def done(self, handle: str) -> None: ...
    def close(self) -> None: ...


class MaildirBox:
    def __init__(self, url: MailboxUrl):
        if not Path(url.path).is_dir():
            raise MailboxError(f"no maildir at {url.path}")
        self.box = mailbox.Maildir(url.path, factory=None, create=False)
        try:
            self.processed = self.box.get_folder(url.processed)
        except mailbox.NoSuchMailboxError:
            self.processed = self.box.add_folder(url.processed)

    def batch(self, limit: int) -> list[tuple[str, bytes]]:
        out = []
        for key in sorted(self.box.iterkeys())[:limit]:  # sorted: oldest first (keys start with the time)
            try:
                out.append((key, self.box.get_bytes(key)[:MAX_MESSAGE_BYTES]))
            except KeyError:  # another process moved it meanwhile
                continue
        return out

    def done(self, handle: str) -> None:
        try:
            message = self.box.get_message(handle)
        except KeyError:
            return
        self.processed.add(message)
        self.box.discard(handle)

    def close(self) -> None:
        self.box.close()


class ImapBox:
    def __init__(self, url: MailboxUrl):
        self.url = url
        context = ssl.create_default_context()
        try:
            if url.scheme == "imaps":
                self.conn = imaplib.IMAP4_SSL(url.host, url.port, ssl_context=context, timeout=IMAP_TIMEOUT)
            else:
                self.conn = imaplib.IMAP4(url.host, url.port, timeout=IMAP_TIMEOUT)
                if "STARTTLS" in self.conn.capabilities:
                    self.conn.starttls(ssl_context=context)
            self.conn.login(url.user, url.password)
            status, _data = self.conn.select(self._quote(url.folder))
            if status != "OK":
                raise MailboxError(f"cannot open folder {url.folder}")
            self.conn.create(self._quote(url.processed))  # "already exists" is an answer, not an error
            self.can_move = "MOVE" in self.conn.capabilities
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP {url.host}: {exc}") from exc

    @staticmethod
    def _quote(folder: str) -> str:
        return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def batch(self, limit: int) -> list[tuple[str, bytes]]:
        try:
            status, data = self.conn.uid("SEARCH", None, "UNDELETED")
            uids = (data[0] or b"").split()[:limit] if status == "OK" else []
            out = []
            for uid in uids:
                status, fetched = self.conn.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((item[1] for item in fetched or [] if isinstance(item, tuple)), None)
                if status == "OK" and raw:
                    out.append((uid.decode(), raw[:MAX_MESSAGE_BYTES]))
            return out
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP {self.url.host}: {exc}") from exc

    def done(self, handle: str) -> None:
        target = self._quote(self.url.processed)
        try:
            if self.can_move:
                self.conn.uid("MOVE", handle, target)
                return
            status, _data = self.conn.uid("COPY", handle, target)
            if status == "OK":  # never flag a message deleted whose copy did not land
                self.conn.uid("STORE", handle, "+FLAGS.SILENT", r"(\Deleted)")
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"IMAP {self.url.host}: {exc}") from exc

    def close(self) -> None:
        try:
            if not self.can_move:
                self.conn.expunge()
            self.conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass


def open_mailbox(url: str) -> BounceMailbox:
    parsed = parse_mailbox_url(url)
    return MaildirBox(parsed) if parsed.scheme == "maildir" else ImapBox(parsed)
