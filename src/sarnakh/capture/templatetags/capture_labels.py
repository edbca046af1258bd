"""Labels for the codes the capture pages show: spam reasons and form field types. A code
without a label is shown as it is, isolated (a newer code still reads correctly)."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext, gettext_noop

from sarnakh.capture.forms.engine import FIELD_TYPE_LABELS
from sarnakh.core.ui.formatting import format_message, isolate

register = template.Library()

SPAM_REASON_LABELS = {
    "honeypot": gettext_noop("A hidden field only bots see was filled in"),
    "bad_token": gettext_noop("The form's time token was forged or belongs to another form"),
    "too_fast": gettext_noop("Sent faster than a person can fill the form"),
}


@register.filter
def spam_reason_label(code) -> str:
    code = str(code or "")
    return gettext(SPAM_REASON_LABELS[code]) if code in SPAM_REASON_LABELS else isolate(code)


@register.filter
def field_type_label(code) -> str:
    code = str(code or "")
    return gettext(FIELD_TYPE_LABELS[code]) if code in FIELD_TYPE_LABELS else isolate(code)


# Row errors are stored as the import job wrote them (in the server's language, usually
# English); a page translates them back through the catalogue. Messages with a placeholder
# are matched by their English shape; the placeholder's value is translated too when it is
# one of Sarnakh's own phrases (an email problem) and isolated when it is data.
_ROW_MESSAGES = [
    gettext_noop("Enter a valid email address (%(detail)s)."),
    gettext_noop("Enter a valid phone number, with country code if it is not in %(region)s."),
    gettext_noop("Use one of: %(values)s."),
    gettext_noop("Unknown stage. Use one of: %(keys)s."),
    gettext_noop("“%(value)s” is not one of the choices: %(choices)s."),
]
_TRANSLATED_VALUES = {"detail"}


def _shape(message: str) -> re.Pattern:
    parts = re.split(r"%\((\w+)\)s", message)
    pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(f"^{pattern}$")


_ROW_SHAPES = [(_shape(m), m) for m in _ROW_MESSAGES]


@register.filter
def row_message(message) -> str:
    """An import row's error in the reader's language."""
    text = str(message or "")
    for shape, template_text in _ROW_SHAPES:
        match = shape.match(text)
        if match:
            values = {
                name: gettext(value) if name in _TRANSLATED_VALUES else isolate(value) for name, value in match.groupdict().items()
            }
            return format_message(gettext(template_text), **values)
    return gettext(text) if text else ""
