"""The timeline kinds capture writes (core.timeline). Imported by CaptureConfig.ready."""

from typing import Any

from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.core.timeline import TimelineEntry, TimelineValues, timeline_kind
from sarnakh.core.ui.formatting import isolate, url_link


def _answer(value: Any) -> str:
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _form_submitted(data: dict[str, Any], values: TimelineValues) -> TimelineEntry:
    """The submission with its answers, the page it came from and the consent: the one
    timeline row of a submission (tracking's `form_submitted` event is not shown beside it)."""
    name = data.get("form_name") or data.get("form") or ""
    if name:
        title = mark_safe(conditional_escape(gettext("Submitted the form “%(form)s”")) % {"form": isolate(name)})
    else:
        title = gettext("Submitted a form")
    labels = data.get("labels") or {}
    facts = [
        (labels.get(field) or field, isolate(_answer(value)))
        for field, value in (data.get("fields") or {}).items()
        if _answer(value) != ""
    ]
    if data.get("page_url"):
        facts.append((gettext("Page"), url_link(data["page_url"])))
    if data.get("consent"):
        # Double opt-in: the consent counts once confirmed from the email (mail/optin).
        label = gettext("Consent (waiting for email confirmation)") if data.get("consent_pending") else gettext("Consent")
        facts.append((label, isolate(data.get("consent_text") or "") or gettext("Yes")))
    return TimelineEntry(title=title, facts=facts)


FORM_SUBMITTED = timeline_kind("form_submitted", _("Form submitted"), _form_submitted).key
IMPORTED = timeline_kind("imported", _("Imported")).key
