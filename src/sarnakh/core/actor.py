"""Who or what makes a change: a user, an API key, an import, a rule, the system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.html import format_html
from django.utils.translation import gettext, gettext_noop

from sarnakh.core.ui.formatting import format_message, isolate


@dataclass(frozen=True)
class Actor:
    source: str  # user, api, import, rule or system (the values of contacts.StageChange.Source)
    user: Any = None
    label: str = ""

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(source="user", user=user, label=user.get_username())

    @classmethod
    def for_api_key(cls, api_key) -> Actor:
        return cls(source="api", user=api_key.created_by, label=f"API key: {api_key.name}")

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(source="system", label=label)


# Labels are stored as written (in English, or the writer's language for the few built
# with gettext); they are translated when shown. The named part (a key's, file's or
# form's name) is user data and stays isolated.
_WORD_LABELS = {
    "system": gettext_noop("System"),
    "rule": gettext_noop("Rule"),
    "Tracking": gettext_noop("Tracking"),
    "Import": gettext_noop("Import"),
}
_NAMED_LABELS = [
    ("API key: ", gettext_noop("API key: %(name)s")),
    ("import: ", gettext_noop("Import: %(name)s")),
    ("Form: ", gettext_noop("Form: %(name)s")),
]
_WRAPPED_LABELS = [
    ("Events API (", gettext_noop("Events API (%(name)s)")),
    ("CLI (", gettext_noop("Command line (%(name)s)")),
]


def actor_display(label: str) -> str:
    """An activity's stored actor label as the reader sees it: built-in actors translated,
    names (users, keys, files, forms) isolated. Safe HTML."""
    label = (label or "").strip()
    if not label:
        return ""
    if label in _WORD_LABELS:
        return format_html("{}", gettext(_WORD_LABELS[label]))
    if label.startswith("Scoring: "):  # a scoring model's name: the shipped one is in the catalogue
        return format_message(gettext("Scoring: %(model)s"), model=isolate(gettext(label.removeprefix("Scoring: "))))
    for prefix, text in _NAMED_LABELS:
        if label.startswith(prefix):
            return format_message(gettext(text), name=isolate(label.removeprefix(prefix)))
    for prefix, text in _WRAPPED_LABELS:
        if label.startswith(prefix) and label.endswith(")"):
            return format_message(gettext(text), name=isolate(label.removeprefix(prefix)[:-1]))
    return isolate(label)
