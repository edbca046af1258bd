"""Where a webhook may be sent (no Django): http(s) URLs whose host resolves only to
public addresses, so a webhook cannot be aimed at this machine, the private network
behind it or a cloud metadata service (server-side request forgery).

The host is resolved once per attempt and the connection is made to the address that
was checked (sending.py), so a DNS answer that changes between the check and the connect
(rebinding) cannot send the request elsewhere. Operators who deliver to their own network
allow loopback, private, shared (CGNAT) and link-local addresses with
SARNAKH_WEBHOOKS_ALLOW_PRIVATE; cloud metadata, multicast, unspecified and reserved
addresses stay refused whatever the setting, since no receiver lives there.

Reasons are English codes; the services translate them.
"""

from __future__ import annotations

import ipaddress
import socket
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
DNS_TIMEOUT_SECONDS = 5.0
# Addresses handed out by cloud providers' instance metadata services.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "169.254.170.2", "169.254.170.23", "100.100.100.200", "fd00:ec2::254")
)
THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Refused whatever SARNAKH_WEBHOOKS_ALLOW_PRIVATE says.
ALWAYS_REFUSED = frozenset({"metadata", "multicast", "unspecified", "reserved"})

# getaddrinfo has no timeout of its own: it runs here and is waited for a bounded time.
_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sarnakh-webhook-dns")


class UrlRefused(ValueError):
    """`code` says why: scheme, host, port, credentials, length, spaces, unresolvable,
    address (then `category` and `address` say which)."""

    def __init__(self, code: str, *, category: str = "", address: str = ""):
        super().__init__(f"{code} {category} {address}".strip())
        self.code = code
        self.category = category
        self.address = address


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA), lower-case, IPv6 without brackets
    port: int
    path: str  # path and query, what goes on the request line
    host_header: str

    @property
    def is_literal_address(self) -> bool:
        return _as_address(self.host) is not None


def _as_address(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_url(url: str) -> Target:
    """The parts of a webhook URL, or UrlRefused."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("scheme")
    if len(url) > MAX_URL_LENGTH:
        raise UrlRefused("length")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise UrlRefused("spaces")
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed [ of an IPv6 host
        raise UrlRefused("host") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UrlRefused("scheme")
    if "@" in parts.netloc:
        raise UrlRefused("credentials")
    try:
        port = parts.port
    except ValueError:
        raise UrlRefused("port") from None
    if port == 0:
        raise UrlRefused("port")
    raw_host = parts.hostname or ""
    if not raw_host:
        raise UrlRefused("host")
    literal = _as_address(raw_host.split("%", 1)[0]) if ":" in raw_host else None
    if ":" in raw_host and literal is None:
        raise UrlRefused("host")
    if literal is not None:
        host = str(literal)
    else:
        try:
            host = raw_host.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise UrlRefused("host") from None
        if not host or len(host) > 253 or any(not label or len(label) > 63 for label in host.split(".")):
            raise UrlRefused("host")
    default_port = 443 if scheme == "https" else 80
    port = port or default_port
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default_port else f"{shown}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, host_header=host_header)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64): checked as itself."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_category(address: str) -> str | None:
    """None for a public address; else what kind of non-public one it is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            return address_category(str(inner))
    if ip.is_unspecified or (ip.version == 4 and ip in THIS_NETWORK):
        return "unspecified"
    if ip in METADATA_ADDRESSES:
        return "metadata"
    if ip.is_multicast:
        return "multicast"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.version == 4 and ip in SHARED_ADDRESS_SPACE:
        return "shared"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved"
    return None


def refusal(address: str, *, allow_private: bool) -> str | None:
    """The category that keeps a webhook from this address, or None when it may be sent."""
    category = address_category(address)
    if category is None or (allow_private and category not in ALWAYS_REFUSED):
        return None
    return category


def resolve(host: str, port: int, *, timeout: float = DNS_TIMEOUT_SECONDS) -> list[str]:
    """The addresses of `host`, in the resolver's order, without repeats. [] when it does
    not resolve (or not in time)."""
    literal = _as_address(host)
    if literal is not None:
        return [str(literal)]
    future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
    try:
        answers = future.result(timeout=timeout)
    except (OSError, UnicodeError, FutureTimeout):
        return []
    addresses: list[str] = []
    for _family, _type, _proto, _canonical, sockaddr in answers:
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    return addresses


def checked_addresses(target: Target, *, allow_private: bool, timeout: float = DNS_TIMEOUT_SECONDS) -> list[str]:
    """Resolves the target's host and returns its addresses, all of them allowed; a name
    with any refused address is refused as a whole (it could be rebound to it)."""
    addresses = resolve(target.host, target.port, timeout=timeout)
    if not addresses:
        raise UrlRefused("unresolvable")
    for address in addresses:
        category = refusal(address, allow_private=allow_private)
        if category:
            raise UrlRefused("address", category=category, address=address)
    return addresses
