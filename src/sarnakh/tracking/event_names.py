"""Human labels for the event names Sarnakh itself sends or reacts to (the tracker's CTA
clicks, form submissions, the scoring model's engagement events, the README's server-side
call). Any other name is an integrator's own and is shown as sent."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

KNOWN_EVENT_LABELS = {
    "cta_click": pgettext_lazy("event name", "Clicked a call to action"),
    "download": pgettext_lazy("event name", "Downloaded content"),
    "demo_requested": pgettext_lazy("event name", "Requested a demo"),
    "demo_booked": pgettext_lazy("event name", "Booked a demo"),
    "form_submitted": pgettext_lazy("event name", "Submitted a form"),
    "email_open": pgettext_lazy("event name", "Opened an email"),
    "email_click": pgettext_lazy("event name", "Clicked a link in an email"),
    "unsubscribed": pgettext_lazy("event name", "Unsubscribed"),
    "email_bounced": pgettext_lazy("event name", "Email bounced"),
    "call_completed": pgettext_lazy("event name", "Call completed"),
    "became_mql": pgettext_lazy("event name", "Became a marketing qualified lead"),
}


def event_name_label(name: str) -> str | None:
    """The label of a known event name, None for a custom one (show it as sent, isolated)."""
    label = KNOWN_EVENT_LABELS.get(name)
    return str(label) if label is not None else None
