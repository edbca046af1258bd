"""Template helpers for the import pages."""

from django import template

from sarnakh.capture.imports.notes import note_text

register = template.Library()


@register.filter
def note_message(item) -> str:
    """A preview row's warning ({"code", "params", "message"}) in the reader's language."""
    if not isinstance(item, dict):
        return ""
    return note_text(item.get("code", ""), item.get("params"), item.get("message", "")) if item.get("code") else item.get("message", "")
