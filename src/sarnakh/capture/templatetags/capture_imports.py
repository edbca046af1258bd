"""Template helpers for the import pages."""

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sarnakh.capture.imports.notes import note_text
from sarnakh.core.ui.formatting import isolate

register = template.Library()


@register.filter
def note_message(item) -> SafeString:
    """A warning or match (an ImportRowError, or a preview row's {"code", "params",
    "message"}) in the reader's language, with the property key and stage name it names
    isolated like any other Latin fragment or user value."""
    if isinstance(item, dict):
        code, params, fallback = item.get("code", ""), item.get("params") or {}, item.get("message", "")
    else:
        code, params, fallback = getattr(item, "code", ""), getattr(item, "params", None) or {}, getattr(item, "message", "")
    html = escape(note_text(code, params, fallback) if code else fallback)
    for name in ("key", "stage"):
        value = params.get(name)
        if value:
            html = html.replace(escape(value), str(isolate(value)), 1)
    return mark_safe(html)  # noqa: S308 - escaped above; only isolate()'s own markup is added
