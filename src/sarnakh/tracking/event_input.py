"""Checking one incoming event and turning it into a row to store. Pure: no ORM.

A bad event is reported back (index, field, code, message) and never sinks its batch.
Everything an event carries is bounded here, so one row can never grow without limit.

NUL (U+0000, which PostgreSQL refuses in text) never fails an event: the tracker's texts
(name, title, url, referrer, label) lose it with the other control characters, the
free-form `properties` keep a visible U+FFFD in its place, and the ids, whose alphabet is
fixed, are refused by that check like any other character outside it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from sarnakh.core.normalize import InvalidEmail, normalize_email
from sarnakh.core.storable import MAX_DB_INT

TYPES = ("page_view", "track", "identify")
ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
NAME_MAX, URL_MAX, PATH_MAX, TITLE_MAX, LABEL_MAX = 100, 2000, 1000, 300, 200
MAX_PROPERTIES_BYTES = 8 * 1024
MAX_DEPTH = 5
FUTURE_TOLERANCE = dt.timedelta(seconds=60)
MAX_SITE_EVENT_AGE = dt.timedelta(days=7)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class BatchContext:
    """What the whole batch shares: who sends it and the receive time."""

    source: str  # "s<site id>" or "k<api key id>"
    trusted: bool  # an API key (server-side) rather than a public site key
    site_id: int | None
    received_at: dt.datetime
    clock_offset: dt.timedelta = dt.timedelta(0)  # server clock − sender clock, from `sent_at`
    request: dict[str, str] = field(default_factory=dict)  # ip, user_agent, origin


@dataclass
class EventError:
    index: int
    id: str
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "field": self.field, "code": self.code, "message": self.message}


class Rejected(Exception):
    def __init__(self, field: str, message: str, code: str = "invalid"):
        super().__init__(message)
        self.field, self.message, self.code = field, message, code


def parse_timestamp(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError
    moment = dt.datetime.fromisoformat(value.strip())
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def clock_offset(sent_at: Any, received_at: dt.datetime) -> dt.timedelta:
    """How far the sender's clock is behind ours; zero when `sent_at` is missing or unusable."""
    if sent_at in (None, ""):
        return dt.timedelta(0)
    try:
        return received_at - parse_timestamp(sent_at)
    except (ValueError, TypeError):
        return dt.timedelta(0)


def clean_text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError
    return _CONTROL.sub("", value).strip()[:limit]


def _url(value: Any, name: str, *, required: bool = False) -> str:
    if value in (None, ""):
        if required:
            raise Rejected(name, _("A page view needs the page URL."), "missing")
        return ""
    if not isinstance(value, str):
        raise Rejected(name, _("Send the URL as text."))
    text = _CONTROL.sub("", value).strip()
    if len(text) > URL_MAX:
        raise Rejected(name, _("The URL is longer than %(max)d characters.") % {"max": URL_MAX})
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        if name == "referrer":
            return text  # app referrers (android-app://…) are facts, not errors
        raise Rejected(name, _("Only http and https URLs can be tracked."))
    return text


def _storable(value: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise Rejected("properties", _("The properties are nested more than %(max)d levels deep.") % {"max": MAX_DEPTH})
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {str(k).replace("\x00", "\ufffd")[:100]: _storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_storable(v, depth + 1) for v in value]
    return value  # numbers, booleans and null (the JSON parser refuses NaN and Infinity)


def _properties(value: Any) -> dict[str, Any]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise Rejected("properties", _("Send the properties as an object."))
    clean = _storable(value)
    if len(json.dumps(clean, ensure_ascii=False).encode()) > MAX_PROPERTIES_BYTES:
        raise Rejected("properties", _("The properties are larger than %(max)d KB.") % {"max": MAX_PROPERTIES_BYTES // 1024})
    return clean


def _occurred_at(value: Any, batch: BatchContext, context: dict[str, Any]) -> dt.datetime:
    if value in (None, ""):
        return batch.received_at
    try:
        moment = parse_timestamp(value) + batch.clock_offset
    except (ValueError, TypeError, OverflowError):
        raise Rejected("timestamp", _("Send the time as ISO-8601, e.g. 2026-11-23T10:00:00Z.")) from None
    if moment > batch.received_at + FUTURE_TOLERANCE:
        context["clock_adjusted"] = True
        return batch.received_at
    if moment < EARLIEST or (not batch.trusted and moment < batch.received_at - MAX_SITE_EVENT_AGE):
        raise Rejected("timestamp", _("The event is too old to be accepted from a browser (more than 7 days)."), "stale_timestamp")
    return moment


def clean_event(raw: Any, *, batch: BatchContext) -> dict[str, Any]:
    """The row to store for one event; raises Rejected naming the field."""
    if not isinstance(raw, dict):
        raise Rejected("", _("Each event must be an object."))
    event_id = raw.get("id")
    if event_id in (None, ""):
        event_id = uuid.uuid4().hex
    elif not isinstance(event_id, str) or not ID_RE.match(event_id):
        raise Rejected("id", _("The id must be 1–64 letters, digits or _ . : -"))
    kind = raw.get("type")
    if kind not in TYPES:
        raise Rejected("type", _("The type must be page_view, track or identify."))
    try:
        name = clean_text(raw.get("name"), NAME_MAX) if kind == "track" else ""
        title = clean_text(raw.get("title"), TITLE_MAX)
    except TypeError:
        raise Rejected("name", _("Send the name and title as text.")) from None
    if kind == "track" and not name:
        raise Rejected("name", _("A track event needs a name."), "missing")
    visitor_id = raw.get("visitor_id")
    if visitor_id in (None, ""):
        if not batch.trusted:
            raise Rejected("visitor_id", _("Browser events need the visitor id."), "missing")
        visitor_id = ""
    elif not isinstance(visitor_id, str) or not ID_RE.match(visitor_id):
        raise Rejected("visitor_id", _("The visitor id must be 1–64 letters, digits or _ . : -"))
    context: dict[str, Any] = dict(batch.request)
    url = _url(raw.get("url"), "url", required=kind == "page_view" and not batch.trusted)
    referrer = _url(raw.get("referrer"), "referrer")
    properties = _properties(raw.get("properties"))
    occurred_at = _occurred_at(raw.get("timestamp"), batch, context)
    if batch.trusted:
        _server_side_person(raw, context)
        if not visitor_id and "contact_id" not in context and "email" not in context:
            raise Rejected("visitor_id", _("Name the person with visitor_id, contact_id or email."), "missing")
    # From the properties as sent: the stored copy marks a NUL with U+FFFD, the label drops it.
    label = raw["properties"].get("label") if properties else None
    try:
        path = urlsplit(url).path[:PATH_MAX] if url else ""
    except ValueError:
        path = ""
    return {
        "source": batch.source, "event_id": event_id, "site_id": batch.site_id, "type": kind, "name": name,
        "visitor_id": visitor_id, "occurred_at": occurred_at, "received_at": batch.received_at, "url": url,
        "path": path or ("/" if url else ""), "title": title, "referrer": referrer,
        "label": _CONTROL.sub("", label).strip()[:LABEL_MAX] if isinstance(label, str) else "",
        "properties": properties, "context": context,
    }


def _server_side_person(raw: dict[str, Any], context: dict[str, Any]) -> None:
    contact_id, email = raw.get("contact_id"), raw.get("email")
    if contact_id is not None:
        if isinstance(contact_id, bool) or not isinstance(contact_id, int) or not 0 < contact_id <= MAX_DB_INT:
            raise Rejected("contact_id", _("The contact id must be a positive whole number."))
        context["contact_id"] = contact_id
    if email not in (None, ""):
        try:
            context["email"] = normalize_email(email if isinstance(email, str) else None)
        except InvalidEmail:
            raise Rejected("email", _("This email address is not valid.")) from None
        if not context["email"]:
            raise Rejected("email", _("This email address is not valid."))


def clean_batch(events: list[Any], *, batch: BatchContext) -> tuple[list[dict[str, Any]], list[EventError]]:
    rows: list[dict[str, Any]] = []
    errors: list[EventError] = []
    seen: set[str] = set()
    for index, raw in enumerate(events):
        try:
            row = clean_event(raw, batch=batch)
        except Rejected as exc:
            given = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else ""
            errors.append(EventError(index=index, id=given[:64], field=exc.field, code=exc.code, message=exc.message))
            continue
        if row["event_id"] in seen:
            continue  # sent twice in one batch: stored once, like any duplicate
        seen.add(row["event_id"])
        rows.append(row)
    return rows, errors
