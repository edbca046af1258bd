"""The timeline kinds bounces write (core.timeline): a message that will not be retried
yet (soft bounce) and a spam complaint. A hard bounce writes delivery's `email_bounced`."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate


def _render(complaint: bool):
    def render(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
        text = (gettext("Email reported as spam: “%(subject)s”") if complaint
                else gettext("Email soft-bounced: “%(subject)s”"))
        title = mark_safe(conditional_escape(text) % {"subject": isolate(data.get("subject") or "")})
        facts = [(gettext("To"), isolate(data.get("to") or ""))]
        return TimelineEntry(title=title, facts=facts, reason=isolate(data.get("error") or ""))

    return render


EMAIL_SOFT_BOUNCED = timeline_kind("email_soft_bounced", _("Email soft-bounced"), _render(False)).key
EMAIL_COMPLAINED = timeline_kind("email_complained", _("Email reported as spam"), _render(True)).key
