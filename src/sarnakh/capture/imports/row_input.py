"""One CSV row -> clean contact input, with the same validation as the API.

`clean_contact_input` (contacts) judges every field. Stage and custom properties are
judged here with the same rules from reference data read once per import instead of
once per row (clean_contact_input looks them up in the database on each call).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sarnakh.capture.imports.mapping import PROPERTY_PREFIX, MappedRow, map_row, parse_created_at
from sarnakh.contacts.bulk.services import CleanRow, RowError
from sarnakh.contacts.selectors import ObjectType, PropertyType, stage_list
from sarnakh.contacts.services import (
    PropertySpec,
    clean_contact_input,
    clean_property_values,
    property_specs,
)

MAX_VALUE_CHARS = 1000


@dataclass
class ImportOptions:
    import_id: int
    file_name: str
    headers: list[str]
    mapping: dict[str, str]
    source_type: str
    channel: str
    tag: str = ""
    on_duplicate: str = "update"

    @property
    def activity_data(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "file": self.file_name}


class RowCleaner:
    def __init__(self, options: ImportOptions):
        self.options = options
        self.stages = {stage.key: stage for stage in stage_list()}
        self.specs = property_specs(ObjectType.CONTACT)
        # Columns mapped to a property not defined yet: the import defines it as text.
        for header, target in options.mapping.items():
            key = target[len(PROPERTY_PREFIX):] if target and target.startswith(PROPERTY_PREFIX) else ""
            if key and key not in self.specs:
                self.specs[key] = PropertySpec(key=key, label=header, type=PropertyType.TEXT)
        self.tz = timezone.get_default_timezone()

    def contact_data(self, mapped: MappedRow) -> dict[str, Any]:
        data = dict(mapped.data)
        data.setdefault("source_type", self.options.source_type)
        data.setdefault("channel", self.options.channel)
        if self.options.tag:
            data["tags"] = [*data.get("tags", []), self.options.tag]
        return data

    def clean(self, number: int, cells: list[str]) -> tuple[CleanRow | None, list[RowError]]:
        """(clean row, []) or (None, errors naming the column and value)."""
        mapped = map_row(self.options.headers, self.options.mapping, cells)
        data = self.contact_data(mapped)
        reduced = {k: v for k, v in data.items() if k not in ("stage", "properties")}
        clean, errors = clean_contact_input(reduced)
        if "stage" in data:
            stage = self.stages.get(data["stage"])
            if stage is None:
                errors["stage"] = [_("Unknown stage. Use one of: %(keys)s.") % {"keys": ", ".join(self.stages)}]
            clean.stage = stage
        if "properties" in data:
            cleaned, property_errors = clean_property_values(data["properties"], self.specs)
            errors.update(property_errors)
            clean.properties = cleaned
        created_at = None
        if mapped.created_at:
            try:
                created_at = parse_created_at(mapped.created_at, self.tz)
            except ValueError as exc:
                errors["created_at"] = [str(exc)]
        values = clean.values
        if not errors and not (values.get("email") or values.get("phone") or values.get("first_name") or values.get("last_name")):
            errors["email"] = [_("A contact needs at least an email, a phone or a name.")]
        if errors:
            return None, self.row_errors(number, mapped, errors)
        return CleanRow(number=number, clean=clean, data=data, created_at=created_at), []

    def row_errors(self, number: int, mapped: MappedRow, errors: dict[str, list[str]]) -> list[RowError]:
        out = []
        for name, messages in errors.items():
            column = mapped.columns.get(name, "")
            value = mapped.raw.get(name, "")
            if not column and name in ("source_type", "channel", "tags"):
                column = _("(import options)")
            for message in messages:
                out.append(RowError(number, column, value[:MAX_VALUE_CHARS], message))
        return out
