"""The wording of import warnings and matches, in the reader's language.

A note is stored with a code and its parameters (keys, not labels) besides the text of
the language the import ran in, so the report page, the API and the CSV say it in the
language of whoever reads it: an import started from an English terminal is read on a
Persian page too."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sarnakh.capture.imports.mapping import TARGETS
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.ui.formatting import format_number

TEXTS: dict[str, Any] = {
    "unknown_channel": gettext_lazy("Unknown channel: imported as “%(channel)s”."),
    "unknown_stage_set": gettext_lazy("Unknown stage: imported as “%(stage)s”."),
    "unknown_stage_unset": gettext_lazy("Unknown stage: left out (a new contact starts at the default stage; an existing one keeps its stage)."),
    "unknown_source_type": gettext_lazy("Unknown source type: imported as “%(value)s”, the import's source type."),
    "unknown_field": gettext_lazy("Unknown %(field)s: left out."),
    "same_person_skipped": gettext_lazy("Same person as row %(row)s (same %(field)s): skipped."),
    "same_person_updated": gettext_lazy("Same person as row %(row)s (same %(field)s): this row's values are added on top of that row's."),
    "match_skipped": gettext_lazy("Contact #%(id)s has the same %(field)s: the row will be skipped."),
    "match_updated": gettext_lazy("Will update contact #%(id)s (same %(field)s)."),
}
KEPT = gettext_lazy(" The original value is kept in the property %(key)s.")


def _label(choices, key: str) -> str:
    try:
        return str(choices(key).label)
    except ValueError:
        return key


def note_text(code: str, params: dict[str, Any] | None, fallback: str) -> str:
    """The note in the active language; `fallback` (the stored text) for an unknown code."""
    template = TEXTS.get(code)
    if template is None:
        return fallback
    params = dict(params or {})
    shown = dict(params)
    if "field" in params:
        shown["field"] = str(TARGETS.get(params["field"], params["field"])).lower()
    if "channel" in params:
        shown["channel"] = _label(Channel, params["channel"])
    if "value" in params:
        shown["value"] = _label(SourceType, params["value"])
    for name in ("row", "id"):  # Persian digits on Persian pages
        if name in params:
            shown[name] = format_number(params[name])
    try:
        text = str(template) % shown
    except (KeyError, TypeError, ValueError):
        return fallback
    if params.get("key"):
        text += str(KEPT) % {"key": params["key"]}
    return text


def note(code: str, **params: Any) -> tuple[str, str, dict[str, Any]]:
    """(text in the active language, code, params) for a RowError."""
    return note_text(code, params, ""), code, params
