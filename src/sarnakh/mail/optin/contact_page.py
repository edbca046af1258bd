"""The timeline kind opt-in writes (core.timeline): a double opt-in confirmed, with its proof."""

from __future__ import annotations

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate


def _render(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    text = gettext("Subscription confirmed by email (form “%(form)s”)")
    title = mark_safe(conditional_escape(text) % {"form": isolate(data.get("form_name") or data.get("form") or "")})
    facts = [(gettext("Address"), isolate(data.get("address") or "")),
             (gettext("Consent text"), isolate(data.get("consent_text") or "")),
             (gettext("Asked from IP"), isolate(data.get("requested_ip") or "")),
             (gettext("Confirmed from IP"), isolate(data.get("confirmed_ip") or ""))]
    return TimelineEntry(title=title, facts=[(k, v) for k, v in facts if v])


EMAIL_OPT_IN_CONFIRMED = timeline_kind("email_opt_in", _("Subscription confirmed by email"), _render).key
