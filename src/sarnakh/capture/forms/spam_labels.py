"""What each spam signal means, in words staff read on the submissions screen."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sarnakh.core.ui.formatting import format_number


def signal_text(code: str, detail: dict[str, Any] | None = None) -> str:
    detail = detail if isinstance(detail, dict) else {}
    if code == "honeypot":
        return _("Filled in the hidden field only bots see")
    if code == "bad_token":
        return _("The form's page stamp was forged, expired or from another form")
    if code == "too_fast":
        if isinstance(detail.get("seconds"), int | float):
            return _("Sent %(seconds)s seconds after the form was shown (browser autofill or a bot)") % {
                "seconds": format_number(detail["seconds"], 1)
            }
        return _("Sent faster than a person types (browser autofill or a bot)")
    if code == "links":
        if isinstance(detail.get("count"), int):
            return _("%(count)s web addresses in the answers") % {"count": format_number(detail["count"])}
        return _("Several web addresses in the answers")
    if code == "mostly_links":
        return _("The answers are mostly web addresses")
    if code == "repeated":
        if isinstance(detail.get("count"), int):
            return _("The same answers sent %(count)s times from one address within 10 minutes") % {
                "count": format_number(detail["count"])
            }
        return _("The same answers sent several times from one address")
    return code


def signal_rows(submission) -> list[dict[str, str]]:
    """(points, text) per signal; a submission from before spam scores shows its reason alone."""
    signals = submission.spam_signals if isinstance(submission.spam_signals, list) else []
    rows = [
        {"points": s.get("points"), "text": signal_text(str(s.get("code", "")), s.get("detail"))}
        for s in signals
        if isinstance(s, dict)
    ]
    if not rows and submission.spam_reason:
        rows.append({"points": None, "text": signal_text(submission.spam_reason)})
    return rows
