"""Template helpers of the scoring pages.

The predictive report is computed by a background job (and by `sarnakh model evaluate`
for the terminal) and stored as JSON in English; its reasons for leaving a column out are
translated here, when a page shows them, so each reader gets their own language."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext, gettext_noop

from sarnakh.core.ui.formatting import format_percent

register = template.Library()

_FIXED = {
    "excluded with --exclude": gettext_noop("excluded with --exclude"),
    "the order column (time-ordered validation)": gettext_noop("the order column (time-ordered validation)"),
    "leaky (--drop-leaky)": gettext_noop("leaky (--drop-leaky)"),
    "no values": gettext_noop("no values"),
    "every value is unique (an identifier)": gettext_noop("every value is unique (an identifier)"),
    "the same value in every row": gettext_noop("the same value in every row"),
    "predicts the target almost perfectly on its own": gettext_noop("predicts the target almost perfectly on its own"),
}
_KINDS = {
    "id_like": gettext_noop("identifier"),
    "constant": gettext_noop("constant"),
    "empty": gettext_noop("empty"),
}
_SHARE = [
    (re.compile(r"^(\d+)% of the values are unique \(an identifier or free text\)$"),
     gettext_noop("%(share)s of the values are unique (an identifier or free text)")),
    (re.compile(r"^equals the target in (\d+)% of rows$"), gettext_noop("equals the target in %(share)s of rows")),
]


def _phrase(text: str) -> str:
    if text in _FIXED:
        return gettext(_FIXED[text])
    for pattern, message in _SHARE:
        match = pattern.match(text)
        if match:
            return gettext(message) % {"share": format_percent(match.group(1), 0)}
    return text


@register.filter
def predictive_reason(reason) -> str:
    """Why a column was left out or flagged, in the reader's language: "constant: the same
    value in every row" → "ثابت: در همهٔ ردیف‌ها یک مقدار"."""
    text = str(reason or "")
    kind, sep, rest = text.partition(": ")
    if sep and kind in _KINDS:
        return f"{gettext(_KINDS[kind])}: {_phrase(rest)}"
    return _phrase(text)
