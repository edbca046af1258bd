"""Reading one message from the bounce mailbox (pure: no Django, no I/O).

What it is, in this order:
1. an ARF complaint (RFC 5965: multipart/report; report-type=feedback-report) → complaint;
2. an RFC 3464 DSN (multipart/report; report-type=delivery-status): each recipient block
   with Action failed or delayed → hard (Status 5.x.x) or soft (4.x.x, a delay, or
   X.2.2 "mailbox full", which RFC 3463 calls possibly transient);
3. an automatic reply (RFC 3834 Auto-Submitted, X-Autoreply, "Out of office" subjects …)
   not sent by a mailer daemon → ignored;
4. anything else that flufl.bounce recognises (Exim, qmail, Postfix and Exchange texts
   without a machine-readable part) → hard (permanent) or soft (temporary);
5. otherwise ignored ("not_a_report").

The message is attributed by its VERP address (the DSN goes to `bounces+<id>-<mac>@…`,
delivery.message.parse_verp) and, without one, by the recipient and the original
message's Message-ID, which the service looks up."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from flufl.bounce import all_failures

HARD, SOFT, COMPLAINT = "hard", "soft", "complaint"
MAX_FINDINGS = 50  # recipients read from one report (one message here has one recipient)
MAX_PARTS = 200  # MIME parts walked in one message
MAX_DIAGNOSTIC = 1000
_STATUS_RE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE_RE = re.compile(r"\b([245])\d\d\b")
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response)|autoreply|abwesenheit|"
    r"réponse automatique|vacation|away from|پاسخ خودکار|خارج از دفتر)", re.IGNORECASE)
VERP_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


@dataclass(frozen=True)
class Finding:
    kind: str  # hard | soft | complaint
    address: str  # the recipient that failed or complained, lower-cased ("" when unknown)
    status: str = ""  # RFC 3463 status, e.g. 5.1.1
    diagnostic: str = ""


@dataclass(frozen=True)
class Report:
    key: str  # what makes this message the same message when read again
    findings: tuple[Finding, ...] = ()
    email_id: int | None = None  # from the VERP address
    original_message_id: str = ""  # the Message-ID of the message that bounced
    ignored: str = ""  # why nothing came of it: auto_reply | not_a_report | no_recipient | unparseable
    detector: str = ""  # arf | dsn | flufl


def message_key(raw: bytes, msg: Message | None) -> str:
    """`mid:<Message-ID>` (the same report delivered twice is one report), else the bytes' hash."""
    message_id = (str(msg.get("Message-ID", "")) if msg is not None else "").strip()
    if message_id and len(message_id) <= 250 and "\n" not in message_id:
        return f"mid:{message_id}"
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _addr(value: str) -> str:
    """The address of `rfc822; someone@example.org` or `<someone@example.org>`."""
    value = (value or "").strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    value = value.strip().strip("<>").strip()
    return value.lower() if "@" in value and len(value) <= 254 and not any(c.isspace() for c in value) else ""


def _parts(msg: Message) -> list[Message]:
    parts = []
    for part in msg.walk():
        parts.append(part)
        if len(parts) >= MAX_PARTS:
            break
    return parts


def _report_type(msg: Message) -> str:
    return (msg.get_param("report-type", "") or "").lower() if msg.get_content_type() == "multipart/report" else ""


def _original_headers(parts: list[Message]) -> Message | None:
    """The returned message (message/rfc822) or its headers (text/rfc822-headers)."""
    for part in parts:
        ctype = part.get_content_type()
        if ctype in ("message/rfc822", "message/global") and part.is_multipart():
            inner = part.get_payload()
            if inner:
                return inner[0]
        if ctype in ("text/rfc822-headers", "message/global-headers"):
            text = part.get_payload(decode=True) or b""
            return email.message_from_bytes(text, policy=email.policy.compat32)
    return None


def _verp_id(headers: list[Message | None], parse_verp: Callable[[str], int | None]) -> int | None:
    for msg in headers:
        if msg is None:
            continue
        for name in (*VERP_HEADERS, "Return-Path", "Original-Mail-From"):
            for value in msg.get_all(name, []) or []:
                for _name, address in getaddresses([str(value)]):
                    email_id = parse_verp(address) if address else None
                    if email_id is not None:
                        return email_id
    return None


def _status_kind(status: str, action: str, diagnostic: str) -> str | None:
    """hard, soft, or None when the recipient was delivered (relayed, expanded)."""
    action = action.lower()
    if action in ("delivered", "relayed", "expanded"):
        return None
    if action == "delayed":
        return SOFT
    match = _STATUS_RE.search(status) or _STATUS_RE.search(diagnostic)
    if match:
        if match.group(1) == "5" and match.group(2) == "2" and match.group(3) == "2":
            return SOFT  # mailbox full: X.2.2 is "possibly transient" (RFC 3463)
        return HARD if match.group(1) == "5" else SOFT
    code = _SMTP_CODE_RE.search(diagnostic)
    if code:
        return HARD if code.group(1) == "5" else SOFT
    return HARD if action == "failed" else None


def _delivery_status(parts: list[Message]) -> list[Finding]:
    findings = []
    for part in parts:
        if part.get_content_type() not in ("message/delivery-status", "message/global-delivery-status"):
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):  # some servers send it as text: parse the field blocks ourselves
            text = part.get_payload(decode=True) or b""
            blocks = [email.message_from_bytes(chunk.strip() + b"\n", policy=email.policy.compat32)
                      for chunk in re.split(rb"\r?\n\r?\n", text) if chunk.strip()]
        for block in blocks[1:MAX_FINDINGS + 1]:  # the first block is per-message
            address = _addr(block.get("Original-Recipient", "")) or _addr(block.get("Final-Recipient", ""))
            status = str(block.get("Status", "") or "").strip()
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "") or "").split())
            kind = _status_kind(status, str(block.get("Action", "") or "").strip(), diagnostic)
            if kind is None:
                continue
            match = _STATUS_RE.search(status) or _STATUS_RE.search(diagnostic)
            findings.append(Finding(kind=kind, address=address, status=match.group(0) if match else "",
                                    diagnostic=diagnostic[:MAX_DIAGNOSTIC]))
    return findings


def _complaint(parts: list[Message], original: Message | None) -> list[Finding]:
    for part in parts:
        if part.get_content_type() != "message/feedback-report":
            continue
        blocks = part.get_payload()
        if isinstance(blocks, list) and blocks:
            fields = blocks[0]
        else:
            fields = email.message_from_bytes((part.get_payload(decode=True) or b"").strip() + b"\n",
                                              policy=email.policy.compat32)
        feedback = str(fields.get("Feedback-Type", "abuse") or "abuse").strip().lower()
        address = _addr(fields.get("Original-Rcpt-To", ""))
        if not address and original is not None:
            found = getaddresses([str(v) for v in original.get_all("To", []) or []])
            address = _addr(found[0][1]) if found else ""
        return [Finding(kind=COMPLAINT, address=address, diagnostic=f"feedback-type: {feedback}"[:MAX_DIAGNOSTIC])]
    return []


def is_auto_reply(msg: Message) -> bool:
    auto = str(msg.get("Auto-Submitted", "") or "").strip().lower()
    if auto and auto != "no":
        return True
    if any(msg.get(h) for h in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply")):
        return True
    if str(msg.get("Precedence", "") or "").strip().lower() == "auto_reply":
        return True
    subject = str(msg.get("Subject", "") or "")
    try:
        subject = str(make_header(decode_header(subject)))  # =?utf-8?…?= (a Persian "پاسخ خودکار")
    except (ValueError, LookupError, UnicodeError):
        pass
    return bool(_AUTO_REPLY_SUBJECT.match(subject))


def _from_mailer_daemon(msg: Message) -> bool:
    """A bounce also says Auto-Submitted (RFC 3834 asks DSNs to): what tells it from an
    out-of-office reply is who sends it, or Exim's X-Failed-Recipients."""
    if msg.get("X-Failed-Recipients"):
        return True
    found = getaddresses([str(msg.get("From", "") or "")])
    local = (found[0][1] if found else "").partition("@")[0].lower()
    return local in ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")


def _body_status(parts: list[Message]) -> tuple[str, str]:
    """The first RFC 3463 status in the text of a bounce without a delivery-status part,
    and the line it is on."""
    for part in parts:
        if part.get_content_type() != "text/plain":
            continue
        text = (part.get_payload(decode=True) or b"")[:64 * 1024].decode("utf-8", "replace")
        for line in text.splitlines():
            match = _STATUS_RE.search(line)
            if match:
                return match.group(0), " ".join(line.split())[:MAX_DIAGNOSTIC]
        break
    return "", ""


def _decode_address(value) -> str:
    return _addr(value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value))


def parse_report(raw: bytes, *, parse_verp: Callable[[str], int | None]) -> Report:
    """What one message says. `parse_verp(address)` gives the OutboundEmail id a bounce
    address names (or None): delivery.message.parse_verp with the VERP key."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        key = message_key(raw, msg)
    except Exception:  # noqa: BLE001 - a message the email package cannot read is still counted
        return Report(key=message_key(raw, None), ignored="unparseable")
    try:
        parts = _parts(msg)
        original = _original_headers(parts)
        email_id = _verp_id([msg, original], parse_verp)
        original_id = str(original.get("Message-ID", "") or "").strip() if original is not None else ""
        report_type = _report_type(msg)
        base = {"key": key, "email_id": email_id, "original_message_id": original_id[:300]}
        if report_type == "feedback-report":
            found = _complaint(parts, original)
            if found:
                return Report(findings=tuple(found), detector="arf", **base)
        if report_type == "delivery-status":
            found = _delivery_status(parts)
            if found:
                return Report(findings=tuple(found), detector="dsn", **base)
            return Report(ignored="delivered", detector="dsn", **base)  # a success or delay-free DSN
        if is_auto_reply(msg) and not _from_mailer_daemon(msg):
            return Report(ignored="auto_reply", **base)
        temporary, permanent = all_failures(msg)
        status, diagnostic = _body_status(parts)
        found = [Finding(kind=HARD, address=_decode_address(a), status=status if status[:1] == "5" else "",
                         diagnostic=diagnostic) for a in sorted(permanent)[:MAX_FINDINGS]]
        found += [Finding(kind=SOFT, address=_decode_address(a), status=status if status[:1] == "4" else "",
                          diagnostic=diagnostic) for a in sorted(temporary)[:MAX_FINDINGS]]
        found = [f for f in found if f.address or email_id]
        if found:
            return Report(findings=tuple(found[:MAX_FINDINGS]), detector="flufl", **base)
        return Report(ignored="not_a_report", **base)
    except Exception:  # noqa: BLE001 - a malformed report is counted, never retried for ever
        return Report(key=key, ignored="unparseable")
