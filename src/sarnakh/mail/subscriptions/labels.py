"""What each refusal of the sending gate (rules.REFUSALS, plus "no contact") is called on a
screen or in an API error, per language. The codes stay the API's stable values."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REFUSAL_LABELS = {
    "no_address": _("no email address"),
    "no_contact": _("not a known contact"),
    "hard_bounce": _("the address bounced"),
    "complaint": _("the recipient marked mail as spam"),
    "invalid": _("the address is invalid"),
    "unsubscribed_all": _("unsubscribed from all marketing email"),
    "manual": _("suppressed by hand"),
    "topic_opt_out": _("unsubscribed from this topic"),
    "no_consent": _("no consent or other lawful basis"),
}


def refusal_label(reason: str) -> str:
    """The translated label of a refusal code (the code itself when unknown)."""
    label = REFUSAL_LABELS.get(reason)
    return str(label) if label is not None else reason
