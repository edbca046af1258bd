"""The timeline kinds delivery writes (core.timeline): an email sent to the contact, or
refused for good."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate


def _render(sent: bool):
    def render(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
        text = gettext("Email sent: “%(subject)s”") if sent else gettext("Email bounced: “%(subject)s”")
        title = mark_safe(conditional_escape(text) % {"subject": isolate(data.get("subject") or "")})
        facts = [(gettext("To"), isolate(data.get("to") or ""))]
        return TimelineEntry(title=title, facts=facts, reason=isolate(data.get("error") or "") if not sent else "")

    return render


EMAIL_SENT = timeline_kind("email_sent", _("Email sent"), _render(True)).key
EMAIL_BOUNCED = timeline_kind("email_bounced", _("Email bounced"), _render(False)).key
