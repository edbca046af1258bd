"""What a delivery's body says: the signed JSON document, or a Slack message.

JSON: `{"id": <event id>, "type": "<event name>", "occurred_at": "<ISO 8601>", "data":
{<the event's payload>}}`. Slack (an incoming-webhook URL): `{"text": "<one line>"}`, a
readable line per event type in the installation's language (SARNAKH_LANGUAGE) with a
link to the contact, and a plain line for any other event.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from sarnakh.core.events import EVENT_TYPES

TEST_EVENT = "webhook.test"


def json_document(*, event_id: int | None, name: str, occurred_at: dt.datetime, data: dict[str, Any]) -> str:
    document = {"id": event_id, "type": name, "occurred_at": occurred_at.isoformat(), "data": data}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)


def slack_document(*, name: str, data: dict[str, Any]) -> str:
    with override(settings.LANGUAGE_CODE):
        text = slack_line(name, data)
    return json.dumps({"text": text}, ensure_ascii=False, separators=(",", ":"))


def body_for(payload_format: str, *, event_id: int | None, name: str, occurred_at: dt.datetime, data: dict[str, Any]) -> str:
    if payload_format == "slack":
        return slack_document(name=name, data=data)
    return json_document(event_id=event_id, name=name, occurred_at=occurred_at, data=data)


# ---------------------------------------------------------------- Slack lines


def _escape(text: Any) -> str:
    # Slack reads &, < and > as markup (links, mentions): user values are escaped.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _first(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = data.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _who(data: dict[str, Any]) -> str:
    """The contact the event is about, linked to its page when its id is known."""
    name = _first(data, "full_name", "name", "contact_name")
    if name is None:
        name = " ".join(str(data[k]) for k in ("first_name", "last_name") if data.get(k)) or None
    email = _first(data, "email", "contact_email")
    label = " ".join(part for part in (_escape(name) if name else "", f"({_escape(email)})" if email and name else _escape(email or "")) if part)
    contact_id = data.get("contact_id")
    if isinstance(contact_id, int) and not isinstance(contact_id, bool):
        url = settings.SARNAKH_BASE_URL.rstrip("/") + reverse("contacts:detail", args=[contact_id])
        text = label or _("contact #%(id)s") % {"id": contact_id}
        return f"<{url}|{text}>"
    return label


def _qualified(data: dict[str, Any]) -> str:
    score = _first(data, "score", "combined_score")
    if score is not None:
        return _("New MQL: %(who)s (score %(score)s)") % {"who": _who(data), "score": _escape(score)}
    return _("New MQL: %(who)s") % {"who": _who(data)}


def _stage_changed(data: dict[str, Any]) -> str:
    old, new = _first(data, "from_stage", "old_stage", "previous_stage"), _first(data, "to_stage", "new_stage", "stage")
    if old and new:
        return _("%(who)s moved from %(old)s to %(new)s") % {"who": _who(data), "old": _escape(old), "new": _escape(new)}
    return _("%(who)s changed lifecycle stage") % {"who": _who(data)}


def _form_submitted(data: dict[str, Any]) -> str:
    form = _first(data, "form_name", "form", "form_slug", "slug")
    if form:
        return _("New submission of form %(form)s: %(who)s") % {"form": _escape(form), "who": _who(data)}
    return _("New form submission: %(who)s") % {"who": _who(data)}


SLACK_LINES: dict[str, Callable[[dict[str, Any]], str]] = {
    "contact.qualified": _qualified,
    "contact.created": lambda d: _("New contact: %(who)s") % {"who": _who(d)},
    "contact.updated": lambda d: _("Contact updated: %(who)s") % {"who": _who(d)},
    "contact.deleted": lambda d: _("Contact deleted: %(who)s") % {"who": _who(d)},
    "contact.merged": lambda d: _("Contacts merged into %(who)s") % {"who": _who(d)},
    "contact.stage_changed": _stage_changed,
    "form.submitted": _form_submitted,
    TEST_EVENT: lambda d: _("Sarnakh test message: this webhook works."),
}


def slack_line(name: str, data: dict[str, Any]) -> str:
    line = SLACK_LINES.get(name)
    if line is not None:
        return line(data)
    label = str(EVENT_TYPES.get(name).label) if name in EVENT_TYPES else name
    who = _who(data)
    return f"{_escape(label)}: {who}" if who else _escape(label)
