"""DKIM keys and the DNS records a sender publishes (pure: no Django, no I/O).

dkimpy signs and verifies but has no key-generation API (its `dknewkey` script shells out
to openssl), so the RSA key is made with `cryptography`."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

KEY_BITS = 2048
SELECTOR_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class DkimKey:
    private_pem: str
    public_b64: str  # base64 DER SubjectPublicKeyInfo: the p= of the TXT record


def generate_key(bits: int = KEY_BITS) -> DkimKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode("ascii")
    public_der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return DkimKey(private_pem=private_pem, public_b64=base64.b64encode(public_der).decode("ascii"))


def dkim_txt_value(public_b64: str) -> str:
    return f"v=DKIM1; k=rsa; p={public_b64}"


@dataclass(frozen=True)
class DnsRecord:
    kind: str  # "DKIM", "SPF", "DMARC"
    name: str
    type: str
    value: str
    placeholder: bool = False  # the value has a part the operator fills in


def dns_records(*, domain: str, selector: str, public_b64: str, sending_host: str, report_address: str) -> list[DnsRecord]:
    """The TXT records to publish for a sender's domain. `sending_host`: the SMTP relay's
    host name or IP (from SARNAKH_EMAIL_URL or SARNAKH_SPF_INCLUDE); the SPF record is a
    suggestion to merge with an existing one (one SPF record per name)."""
    records = []
    if selector and public_b64:
        records.append(DnsRecord("DKIM", f"{selector}._domainkey.{domain}", "TXT", dkim_txt_value(public_b64)))
    records.append(DnsRecord("SPF", domain, "TXT", f"v=spf1 {spf_mechanism(sending_host)} ~all", placeholder=not sending_host))
    records.append(DnsRecord("DMARC", f"_dmarc.{domain}", "TXT", f"v=DMARC1; p=none; rua=mailto:{report_address}"))
    return records


def spf_mechanism(host: str) -> str:
    """`ip4:`/`ip6:` for an address, `include:` for a provider's SPF domain, `a:` for a
    plain relay host; a placeholder when nothing is configured."""
    if not host:
        return "include:YOUR-SENDING-PROVIDER"
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host):
        return f"ip4:{host}"
    if ":" in host:
        return f"ip6:{host}"
    if host.startswith("_spf.") or host.startswith("spf."):
        return f"include:{host}"
    return f"a:{host}"
