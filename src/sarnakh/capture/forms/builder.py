"""The form builder's page state: rows of fields (each with its choices) to and from the
POST, the row and choice actions (add, remove, move), field keys made from labels, and
errors sorted beside the input they are about.

Server-rendered and JavaScript-free: every action is a submit button, so the builder
works with scripts off and under the Content-Security-Policy."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sarnakh.capture.forms import engine
from sarnakh.core.ui.formatting import format_number

LANGS = engine.LANGUAGES
ROW_KEYS = ("name", "type", "property", "label_en", "label_fa", "help_en", "help_fa", "max_length", "value")
CHOICE_KEYS = ("label_en", "label_fa", "value")
MAX_ROWS = engine.MAX_FIELDS + 5
MAX_CHOICE_ROWS = engine.MAX_CHOICES + 5
BLANK_CHOICES = 2  # a new choice field starts with this many empty choices to fill

# Marketers read these; the API keeps the keys.
TYPE_LABELS = {
    "text": gettext_lazy("Short text"),
    "textarea": gettext_lazy("Long text (paragraph)"),
    "email": gettext_lazy("Email address"),
    "phone": gettext_lazy("Phone number"),
    "number": gettext_lazy("Number"),
    "choice": gettext_lazy("Choice: pick one from a list"),
    "multi_choice": gettext_lazy("Choices: pick several from a list"),
    "checkbox": gettext_lazy("Checkbox (yes / no)"),
    "hidden": gettext_lazy("Hidden value (not shown to visitors)"),
}
CHOICE_TYPES = ("choice", "multi_choice")
# Where each error key of the form (services.clean_form_data) is shown.
FORM_ERROR_LABELS = {
    "name": gettext_lazy("Name (for your team)"), "slug": gettext_lazy("Slug"), "language": gettext_lazy("Language"),
    "title": gettext_lazy("Title"), "intro": gettext_lazy("Introduction"), "submit_label": gettext_lazy("Submit button"),
    "consent_text": gettext_lazy("Consent text"), "consent_enabled": gettext_lazy("Consent"),
    "consent_required": gettext_lazy("Consent"), "thank_you_message": gettext_lazy("Thank-you message"),
    "redirect_url": gettext_lazy("Redirect address"), "notify_emails": gettext_lazy("Notify by email"),
    "source_type": gettext_lazy("Source type"), "channel": gettext_lazy("Channel"), "fields": gettext_lazy("Fields"),
    "is_active": gettext_lazy("Active"),
}
ROW_ERROR_KEYS = ("name", "type", "property", "label", "help_text", "choices", "max_length", "value", "required", "placeholder")


def type_choices() -> list[tuple[str, str]]:
    return [(key, str(TYPE_LABELS.get(key, key))) for key in engine.FIELD_TYPES]


def per_language(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"en": value}
    return {lang: (value or {}).get(lang, "") for lang in LANGS} if isinstance(value, dict) else {}


def localized_input(texts: dict[str, str]) -> dict[str, str]:
    return {lang: text.strip() for lang, text in texts.items() if text and text.strip()}


def blank_choice() -> dict[str, str]:
    return {key: "" for key in CHOICE_KEYS}


def blank_row() -> dict[str, Any]:
    return {key: "" for key in ROW_KEYS} | {"type": "text", "required": False, "choices": [blank_choice() for _i in range(BLANK_CHOICES)]}


def choice_rows(choices: list[dict[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for choice in choices:
        label = per_language(choice.get("label"))
        rows.append({"label_en": label.get("en", ""), "label_fa": label.get("fa", ""), "value": choice.get("value", "")})
    return rows


def rows_from_definitions(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for d in fields:
        label, help_text = per_language(d.get("label")), per_language(d.get("help_text"))
        default_length = engine.DEFAULT_MAX_LENGTH.get(d["type"], engine.TEXT_MAX_LENGTH)
        rows.append({
            "name": d["name"], "type": d["type"], "property": "company.name" if d.get("property") == "company" else d.get("property", ""),
            "required": d.get("required", False), "label_en": label.get("en", ""), "label_fa": label.get("fa", ""),
            "help_en": help_text.get("en", ""), "help_fa": help_text.get("fa", ""),
            "choices": choice_rows(d.get("choices", [])) or [blank_choice() for _i in range(BLANK_CHOICES)],
            "max_length": str(d.get("max_length") or "") if d.get("max_length") != default_length else "",
            "value": d.get("value", ""),
        })
    return rows


def _legacy_choices(text: str) -> list[dict[str, str]]:
    """`value|label` lines, as the builder took them before the choices editor."""
    rows = []
    for line in text.splitlines():
        value, _sep, label = line.strip().partition("|")
        if value.strip():
            rows.append({"label_en": label.strip() or value.strip(), "label_fa": "", "value": value.strip()})
    return rows


def _count(post, key: str, limit: int) -> int:
    try:
        return max(0, min(int(post.get(key, "0")), limit))
    except ValueError:
        return 0


def parse_rows(post) -> list[dict[str, Any]]:
    rows = []
    for index in range(_count(post, "rows", MAX_ROWS)):
        prefix = f"f-{index}-"
        if f"{prefix}type" not in post:
            continue
        row: dict[str, Any] = {key: post.get(f"{prefix}{key}", "") for key in ROW_KEYS}
        row["required"] = post.get(f"{prefix}required") == "on"
        choices = []
        for j in range(_count(post, f"{prefix}choice_rows", MAX_CHOICE_ROWS)):
            if f"{prefix}c-{j}-label_en" in post or f"{prefix}c-{j}-value" in post:
                choices.append({key: post.get(f"{prefix}c-{j}-{key}", "") for key in CHOICE_KEYS})
        if not any(any(c.values()) for c in choices) and post.get(f"{prefix}choices", "").strip():
            choices = _legacy_choices(post[f"{prefix}choices"])
        row["choices"] = choices
        rows.append(row)
    return rows


# ---------------------------------------------------------------- keys from labels

def key_from_text(text: str) -> str:
    """A field key (engine.NAME_RE) from a label: 'Company size' -> 'company_size'; '' when
    the label has no Latin letters or digits to make one from."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")
    if key and not key[0].isalpha():
        key = f"field_{key}"
    return key[:50].rstrip("_")


def _unique(key: str, taken: set[str]) -> str:
    if key not in taken and key not in engine.RESERVED_NAMES:
        return key
    for n in range(2, MAX_ROWS + 2):
        candidate = f"{key[:46]}_{n}"
        if candidate not in taken:
            return candidate
    return key


def fill_keys(rows: list[dict[str, Any]]) -> list[str]:
    """The key of each row: its own, or one made from its English label, its property or
    its position, unique in the form. Keys typed by staff are kept as they are (the
    service judges them); made ones are always valid."""
    taken = {row["name"].strip() for row in rows if row["name"].strip()}
    keys = []
    for position, row in enumerate(rows):
        own = row["name"].strip()
        if own:
            keys.append(own)
            continue
        made = key_from_text(row["label_en"]) or key_from_text(row["property"].replace("company.name", "company")) or f"field_{position + 1}"
        key = _unique(made, taken)
        taken.add(key)
        keys.append(key)
    return keys


def row_definition(row: dict[str, Any], key: str) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": key, "type": row["type"], "required": bool(row.get("required")), "property": row["property"].strip(),
        "label": localized_input({"en": row["label_en"], "fa": row["label_fa"]}),
        "help_text": localized_input({"en": row["help_en"], "fa": row["help_fa"]}),
    }
    if row["type"] in CHOICE_TYPES:
        choices = []
        for choice in row.get("choices", []):
            label = localized_input({"en": choice["label_en"], "fa": choice["label_fa"]})
            value = choice["value"].strip() or choice["label_en"].strip() or choice["label_fa"].strip()
            if value:
                choices.append({"value": value, "label": label or value})
        definition["choices"] = choices
    text = str(row.get("max_length") or "").strip()
    if text:
        definition["max_length"] = int(text) if text.isdigit() else text
    if row["type"] == "hidden":
        definition["value"] = row["value"]
    return definition


def definitions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row_definition(row, key) for row, key in zip(rows, fill_keys(rows), strict=True)]


# ---------------------------------------------------------------- actions

def _move(items: list, verb: str, index: int) -> bool:
    if verb == "remove":
        items.pop(index)
    elif verb == "up" and index > 0:
        items[index - 1], items[index] = items[index], items[index - 1]
    elif verb == "down" and index < len(items) - 1:
        items[index + 1], items[index] = items[index], items[index + 1]
    else:
        return False
    return True


def apply_action(action: str, rows: list[dict[str, Any]]) -> bool:
    """add, remove:N, up:N, down:N, choice-add:N, choice-remove:N:M, choice-up:N:M,
    choice-down:N:M; True when the action changed the rows."""
    if action == "add":
        if len(rows) >= engine.MAX_FIELDS:
            return False
        rows.append(blank_row())
        return True
    verb, *indexes = action.split(":")
    if not indexes or not all(i.isdigit() for i in indexes) or int(indexes[0]) >= len(rows):
        return False
    row_index = int(indexes[0])
    if not verb.startswith("choice-"):
        return len(indexes) == 1 and _move(rows, verb, row_index)
    choices = rows[row_index].setdefault("choices", [])
    if verb == "choice-add" and len(indexes) == 1:
        if len(choices) >= engine.MAX_CHOICES:
            return False
        choices.append(blank_choice())
        return True
    if len(indexes) != 2 or int(indexes[1]) >= len(choices):
        return False
    return _move(choices, verb.removeprefix("choice-"), int(indexes[1]))


# ---------------------------------------------------------------- errors beside their input

def split_errors(errors: dict[str, list[str]], count: int) -> tuple[list[dict[str, list[str]]], dict[str, list[str]], list[str]]:
    """(per row: {input key or "row": messages}, per form input: messages, general messages).

    Error keys are paths (fields.2.choices, fields.2.label.fa, slug); an unknown one goes to
    the row or the general list, never shown raw."""
    by_row: list[dict[str, list[str]]] = [{} for _i in range(count)]
    by_input: dict[str, list[str]] = {}
    general: list[str] = []
    for key, messages in errors.items():
        parts = key.split(".")
        if parts[0] == "fields" and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < count:
            sub = parts[2] if len(parts) > 2 and parts[2] in ROW_ERROR_KEYS else "row"
            by_row[int(parts[1])].setdefault(sub, []).extend(messages)
        elif parts[0] in FORM_ERROR_LABELS:
            by_input.setdefault(parts[0], []).extend(messages)
        else:
            general.extend(messages)
    return by_row, by_input, general


def error_summary(by_row: list[dict[str, list[str]]], by_input: dict[str, list[str]], general: list[str]) -> list[str]:
    """The top-of-page list: what is wrong where, in words, each pointing at its place."""
    lines = list(general)
    lines += [_("%(input)s: %(message)s") % {"input": FORM_ERROR_LABELS[key], "message": " ".join(messages)} for key, messages in by_input.items()]
    for index, row_errors in enumerate(by_row):
        if row_errors:
            lines.append(_("Field %(n)s has a problem; see below.") % {"n": format_number(index + 1)})
    return lines
