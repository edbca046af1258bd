"""Building one outgoing message (pure: no Django, no I/O).

multipart/alternative (text first, html second: the last part is the preferred one),
UTF-8 headers encoded per RFC 2047 (Persian subjects and names), a Message-ID on the
sender's domain, List-Unsubscribe + List-Unsubscribe-Post (RFC 8058) for marketing mail,
a per-message VERP envelope sender, and a DKIM signature (dkimpy) that covers the
headers RFC 8058 requires be signed."""

from __future__ import annotations

import base64
import binascii
import email.policy
import functools
import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.header import Header
from email.headerregistry import Address
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.utils import format_datetime, formataddr, make_msgid

import dkim
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

# Signed even when absent (an absent header listed in h= cannot be added later unnoticed).
SIGNED_HEADERS = (
    b"from", b"to", b"subject", b"date", b"message-id", b"reply-to", b"mime-version", b"content-type",
    b"list-unsubscribe", b"list-unsubscribe-post",
)
ONE_CLICK = "List-Unsubscribe=One-Click"
VERP_PREFIX = "bounces+"
_VERP_RE = re.compile(r"^bounces\+(\d{1,19})-([0-9a-f]{16})@", re.IGNORECASE)
# Headers a caller may not set through `headers`: they are this module's to write.
RESERVED = {"from", "to", "subject", "date", "message-id", "reply-to", "list-unsubscribe", "list-unsubscribe-post",
            "dkim-signature", "return-path", "mime-version", "content-type", "content-transfer-encoding"}


@dataclass(frozen=True)
class Dkim:
    domain: str
    selector: str
    private_pem: str


@dataclass(frozen=True)
class Unsubscribe:
    """Where a recipient unsubscribes: an HTTPS one-click URL and a mailto address."""

    url: str
    mailto: str = ""

    def header(self) -> str:
        parts = [f"<{self.url}>"] if self.url else []
        if self.mailto:
            parts.append(f"<{self.mailto if self.mailto.startswith('mailto:') else 'mailto:' + self.mailto}>")
        return ", ".join(parts)


@dataclass(frozen=True)
class Built:
    data: bytes  # CRLF line endings, DKIM-signed when a key was given
    message_id: str
    envelope_from: str


def address(name: str, addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    if not local or not domain:
        raise ValueError(f"not an email address: {addr!r}")
    _no_line_breaks(name or "")
    return Address(display_name=name or "", username=local, domain=domain)


_POLICY = email.policy.compat32.clone(linesep="\r\n", mangle_from_=False)
_HEADER_NAME = re.compile(r"[!-9;-~]{1,76}")  # RFC 5322 field name: printable ASCII but ":"
_LINE_LIMIT = 78  # the longest body line sent as it is (as the default policy chose)


def _no_line_breaks(value: str) -> str:
    if "\n" in value or "\r" in value:
        raise ValueError("Header values may not contain linefeed or carriage return characters")
    return value


def _unstructured(name: str, value: str) -> _AsciiValue | Header:
    """A header value: ASCII folded at its spaces, anything else as RFC 2047 UTF-8 encoded
    words."""
    _no_line_breaks(value)
    return _AsciiValue(name, value) if value.isascii() else Header(value, "utf-8", header_name=name)


class _AsciiValue:
    """An ASCII header value for compat32, folded before a word that would pass the line
    length but never before the first (compat32's own folding can leave "Name: " alone
    on its line)."""

    def __init__(self, name: str, value: str):
        self.name, self.value = name, value

    def __str__(self) -> str:
        return self.value

    def encode(self, linesep: str = "\n", maxlinelen: int | None = 78, **_) -> str:
        limit = maxlinelen or 78
        words = self.value.split(" ")
        lines, width = [words[0]], len(self.name) + 2 + len(words[0])
        for word in words[1:]:
            if word and width + 1 + len(word) > limit:
                lines.append(word)
                width = 1 + len(word)
            else:
                lines[-1] += " " + word
                width += 1 + len(word)
        return (linesep + " ").join(lines)


def _mailbox(name: str, addr: Address) -> str:
    if not addr.addr_spec.isascii():
        raise ValueError(f"not an ASCII email address: {addr.addr_spec!r}")
    return formataddr((name or "", addr.addr_spec), "utf-8")


def _text_part(body: str, subtype: str, *, inner: bool = False) -> Message:
    """A UTF-8 text part with the transfer encoding the default policy would pick: 7bit or
    8bit when no line is longer than 78 octets, else the shorter of quoted-printable and
    base64."""
    raw = body.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if max(map(len, raw.split(b"\n"))) <= _LINE_LIMIT:
        cte, payload = ("7bit" if raw.isascii() else "8bit"), raw.decode("ascii", "surrogateescape")
    else:
        qp, b64 = binascii.b2a_qp(raw, istext=True), base64.encodebytes(raw)
        cte, payload = ("base64", b64.decode("ascii")) if len(b64) < len(qp) else ("quoted-printable", qp.decode("ascii"))
    part = Message(policy=_POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = cte
    if not inner:
        part["MIME-Version"] = "1.0"
    part.set_payload(payload)
    return part


def verp_token(email_id: int, key: bytes) -> str:
    mac = hmac.new(key, f"verp:{email_id}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{email_id}-{mac}"


def verp_address(email_id: int, key: bytes, bounce_domain: str) -> str:
    return f"{VERP_PREFIX}{verp_token(email_id, key)}@{bounce_domain}"


def parse_verp(recipient: str, key: bytes) -> int | None:
    """The message id a bounce address names, or None when it is not ours or forged."""
    match = _VERP_RE.match(recipient.strip().strip("<>"))
    if not match:
        return None
    email_id = int(match.group(1))
    return email_id if hmac.compare_digest(verp_token(email_id, key), f"{email_id}-{match.group(2).lower()}") else None


def build_message(
    *, subject: str, text: str, html: str, from_name: str, from_address: str, to_address: str, to_name: str = "",
    reply_to: str = "", marketing: bool, unsubscribe: Unsubscribe | None = None, envelope_from: str,
    date, message_id: str = "", headers: Mapping[str, str] | None = None, dkim_key: Dkim | None = None,
) -> Built:
    """`date`: an aware datetime. A marketing message must have `unsubscribe` (refused
    without it); a transactional one carries no List-Unsubscribe."""
    if marketing and not (unsubscribe and unsubscribe.url):
        raise ValueError("a marketing message needs a List-Unsubscribe URL")
    if not text and not html:
        raise ValueError("a message needs a text or an HTML body")
    sender = address(from_name, from_address)
    # compat32 (the `email` package's older API) with headers encoded here: the default
    # policy parses every header into objects and refolds them, ~1 ms of a campaign
    # message's ~5 (docs/benchmarks.md, "Email campaigns").
    msg = MIMEMultipart("alternative", policy=_POLICY) if html else _text_part(text, "plain")
    msg["From"] = _mailbox(from_name, sender)
    msg["To"] = _mailbox(to_name, address(to_name, to_address))
    if reply_to:
        msg["Reply-To"] = _mailbox("", address("", reply_to))
    msg["Subject"] = _unstructured("Subject", subject)
    msg["Date"] = format_datetime(date)
    message_id = message_id or make_msgid(domain=sender.domain)
    msg["Message-ID"] = _unstructured("Message-ID", message_id)
    if marketing and unsubscribe:
        msg["List-Unsubscribe"] = _unstructured("List-Unsubscribe", unsubscribe.header())
        msg["List-Unsubscribe-Post"] = ONE_CLICK
    for name, value in (headers or {}).items():
        if name.lower() in RESERVED or not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"header {name!r} cannot be set here")
        msg[name] = _unstructured(name, value)
    if html:
        msg.attach(_text_part(text or "", "plain", inner=True))
        msg.attach(_text_part(html, "html", inner=True))
    data = msg.as_bytes(policy=_POLICY)
    if dkim_key:
        data = sign(data, dkim_key)
    return Built(data=data, message_id=message_id, envelope_from=envelope_from)


# dkimpy computes RSA in pure Python (two 2048-bit `pow` per signature, ~13 ms: the most
# expensive step of a campaign message). Its signing step is swapped for the `cryptography`
# package's (OpenSSL, ~1 ms) for keys parsed here; dkimpy still canonicalises and hashes,
# and any other key goes through its own code.
_DKIM_PARSE, _DKIM_SIGN = dkim.parse_pem_private_key, dkim.RSASSA_PKCS1_v1_5_sign
_DIGESTS = {"sha256": hashes.SHA256, "sha1": hashes.SHA1}


class _OpenSslKey(dict):
    """A parsed private key (the dict dkimpy expects, plus the OpenSSL key that signs)."""

    def __init__(self, fields: dict, key: rsa.RSAPrivateKey):
        super().__init__(fields)
        self.key = key


@functools.lru_cache(maxsize=32)
def _parse_key(pem: bytes) -> _OpenSslKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA key")
    numbers = key.private_numbers()
    return _OpenSslKey({"modulus": numbers.public_numbers.n, "publicExponent": numbers.public_numbers.e,
                        "privateExponent": numbers.d}, key)


def _dkim_parse(data):
    try:
        return _parse_key(bytes(data))
    except (ValueError, TypeError):
        return _DKIM_PARSE(data)


def _dkim_sign(digest, private_key):
    if isinstance(private_key, _OpenSslKey) and digest.name in _DIGESTS:
        return private_key.key.sign(digest.digest(), padding.PKCS1v15(), Prehashed(_DIGESTS[digest.name]()))
    return _DKIM_SIGN(digest, private_key)


dkim.parse_pem_private_key, dkim.RSASSA_PKCS1_v1_5_sign = _dkim_parse, _dkim_sign


def sign(data: bytes, key: Dkim) -> bytes:
    signature = dkim.sign(
        data, key.selector.encode("ascii"), key.domain.encode("ascii"), key.private_pem.encode("ascii"),
        canonicalize=(b"relaxed", b"relaxed"), include_headers=list(SIGNED_HEADERS),
    )
    return signature + data
