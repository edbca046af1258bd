"""Link instrumentation and the link checker (no ORM: pure).

`instrument(html, text, email_id=…, utm=…)` rewrites every http(s) link of a message to
Sarnakh's signed click redirect (`/e/c/<token>`), adding UTM parameters to each destination
(unless the URL already has that parameter), and puts a 1×1 open pixel (`/e/o/<token>.gif`)
before `</body>`. mailto:, tel:, in-page anchors and Sarnakh's own unsubscribe and
preference links (`/u/…`, `/p/…`) are left as they are: a one-click unsubscribe must not
pass through a redirect, and a scanner following it must not look like a click.

`link_issues(html)` lists what is wrong with a message's links (for the editor's link
checker): empty, javascript:, malformed, no host, spaces, and plain http (a warning)."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils.translation import gettext as _

from sarnakh.mail.tracking.tokens import MAX_URL_LENGTH, click_token, open_token

CLICK_PATH = "/e/c/"
OPEN_PATH = "/e/o/"
# Sarnakh's own unsubscribe (`/u/<token>`), preference centre and confirmation (`/p/…`).
OWN_UNTRACKED_PATHS = ("/u/", "/p/")
MAX_LINKS = 2000  # links rewritten in one message; past it the rest stay as they are
UTM_DEFAULTS = {"utm_source": "sarnakh", "utm_medium": "email"}
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

# <a …href="…">, <area …href=…> and Outlook's VML buttons (<v:roundrect href=…>, inside
# `<!--[if mso]>`): the attribute value quoted either way or bare.
_HREF = re.compile(
    r"""(<(?:a|area|v:roundrect|v:rect|v:oval)\b[^>]*?\shref\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE | re.DOTALL,
)
_TEXT_URL = re.compile(r"""https?://[^\s<>"'()\[\]{}]+""", re.IGNORECASE)
_TRAILING = ".,;:!?"
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def base_url() -> str:
    return settings.SARNAKH_BASE_URL.rstrip("/")


def click_url(*, email_id: int, url: str) -> str:
    return f"{base_url()}{CLICK_PATH}{click_token(email_id=email_id, url=url)}"


def pixel_url(*, email_id: int) -> str:
    return f"{base_url()}{OPEN_PATH}{open_token(email_id=email_id)}.gif"


def clean_utm(utm: dict | None) -> dict[str, str]:
    """The UTM parameters to add: `source`/`medium` default to sarnakh/email; `campaign`,
    `content` and `term` when given (with or without the `utm_` prefix); blanks dropped."""
    values = dict(UTM_DEFAULTS)
    for key, value in (utm or {}).items():
        name = key if str(key).startswith("utm_") else f"utm_{key}"
        if name in UTM_KEYS:
            text = str(value or "").strip()[:200]
            if text:
                values[name] = text
            else:
                values.pop(name, None)
    return values


def with_utm(url: str, utm: dict[str, str]) -> str:
    """`url` with each UTM parameter it does not have yet (its own value wins)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    have = {key.lower() for key, _value in parse_qsl(parts.query, keep_blank_values=True)}
    extra = {k: v for k, v in utm.items() if k not in have}
    if not extra:
        return url
    query = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def _trackable(url: str, own: str) -> bool:
    """An absolute http(s) URL with a host that is not one of Sarnakh's own untracked links."""
    if not url.lower().startswith(("http://", "https://")) or len(url) > MAX_URL_LENGTH:
        return False
    try:
        parts = urlsplit(url)
        if not parts.hostname or any(c.isspace() for c in url):
            return False
    except ValueError:
        return False
    if own and url.lower().startswith(own.lower()):
        path = url[len(own):]
        if path.startswith(OWN_UNTRACKED_PATHS) or path.startswith((CLICK_PATH, OPEN_PATH)):
            return False
    return True


def _rewrite(url: str, *, email_id: int, utm: dict[str, str], own: str) -> str | None:
    if not _trackable(url, own):
        return None
    destination = with_utm(url, utm)
    if len(destination) > MAX_URL_LENGTH:
        destination = url
    return click_url(email_id=email_id, url=destination)


def instrument(html: str, text: str, *, email_id: int, utm: dict | None = None) -> tuple[str, str]:
    """The message's HTML and plain text with tracked links and an open pixel (see module)."""
    params = clean_utm(utm)
    own = base_url()
    count = 0

    def href(match: re.Match) -> str:
        nonlocal count
        raw = next(g for g in match.groups()[1:] if g is not None)
        url = htmllib.unescape(raw).strip()
        if count >= MAX_LINKS:
            return match.group(0)
        tracked = _rewrite(url, email_id=email_id, utm=params, own=own)
        if tracked is None:
            return match.group(0)
        count += 1
        return f'{match.group(1)}"{htmllib.escape(tracked, quote=True)}"'

    def plain(match: re.Match) -> str:
        nonlocal count
        found = match.group(0)
        url = found.rstrip(_TRAILING)
        tail = found[len(url):]
        if count >= MAX_LINKS:
            return found
        tracked = _rewrite(url, email_id=email_id, utm=params, own=own)
        if tracked is None:
            return found
        count += 1
        return tracked + tail

    new_html = _HREF.sub(href, html or "") if html else html
    if new_html:
        pixel = (f'<img src="{htmllib.escape(pixel_url(email_id=email_id), quote=True)}" width="1" height="1" alt="" '
                 'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />')
        ends = list(_BODY_END.finditer(new_html))
        if ends:
            at = ends[-1].start()
            new_html = new_html[:at] + pixel + new_html[at:]
        else:
            new_html += pixel
    new_text = _TEXT_URL.sub(plain, text or "") if text else text
    return new_html, new_text


# ---------------------------------------------------------------- the link checker


@dataclass(frozen=True)
class LinkIssue:
    url: str
    code: str  # empty, javascript, spaces, malformed, no_host, relative, insecure
    severity: str  # error | warning
    message: str


_ANY_HREF = re.compile(
    r"""<(?:a|area)\b[^>]*?\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]*))""",
    re.IGNORECASE | re.DOTALL,
)
_SAFE_SCHEMES = ("mailto:", "tel:", "sms:")
MAX_ISSUES = 200


def _issue(url: str) -> LinkIssue | None:
    raw = url
    url = url.strip()
    if not url:
        return LinkIssue(raw, "empty", "error", _("A link has no address."))
    lower = url.lower()
    compact = re.sub(r"\s", "", lower)
    if compact.startswith(("javascript:", "vbscript:", "data:")):
        return LinkIssue(raw, "javascript", "error", _("A link runs a script or embeds data: mail clients block it."))
    if url.startswith("#") or lower.startswith(_SAFE_SCHEMES):
        return None
    if any(c.isspace() for c in url):
        return LinkIssue(raw, "spaces", "error", _("A link contains spaces: encode them (%20) or remove them."))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return LinkIssue(raw, "malformed", "error", _("A link is not a valid address."))
    if not parts.scheme:
        return LinkIssue(raw, "relative", "error", _("A link has no scheme and host: use a full address (https://…)."))
    if parts.scheme.lower() not in ("http", "https"):
        return LinkIssue(raw, "malformed", "error", _("A link uses an unknown scheme: use https://."))
    host = parts.hostname or ""
    if not host or (("." not in host) and host != "localhost" and ":" not in host):
        return LinkIssue(raw, "no_host", "error", _("A link has no host name."))
    if parts.scheme.lower() == "http":
        return LinkIssue(raw, "insecure", "warning", _("A link uses http: prefer https."))
    return None


def link_issues(html: str) -> list[LinkIssue]:
    """What is wrong with the links of `html` (at most MAX_ISSUES), in document order."""
    issues: list[LinkIssue] = []
    for match in _ANY_HREF.finditer(html or ""):
        raw = next((g for g in match.groups() if g is not None), "")
        issue = _issue(htmllib.unescape(raw))
        if issue is not None:
            issues.append(issue)
            if len(issues) >= MAX_ISSUES:
                break
    return issues
