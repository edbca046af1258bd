"""The timeline kinds tracking writes (core.timeline): the first time a person opened a
message, and each link a person clicked (machine opens and clicks are not shown)."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate, readable_url


def _opened(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    title = mark_safe(conditional_escape(gettext("Opened the email “%(subject)s”")) % {"subject": isolate(data.get("subject") or "")})
    return TimelineEntry(title=title)


def _clicked(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    title = mark_safe(conditional_escape(gettext("Clicked a link in “%(subject)s”")) % {"subject": isolate(data.get("subject") or "")})
    return TimelineEntry(title=title, facts=[(gettext("Link"), isolate(readable_url(data.get("url") or "")))])


EMAIL_OPENED = timeline_kind("email_opened", _("Email opened"), _opened).key
EMAIL_CLICKED = timeline_kind("email_clicked", _("Email link clicked"), _clicked).key
