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

from sarnakh.capture.imports.dates import MONTH_FIRST, DateFormatError, parse_import_date
from sarnakh.capture.imports.mapping import PROPERTY_PREFIX, TARGETS, MappedRow, map_row
from sarnakh.capture.imports.notes import note
from sarnakh.contacts.bulk.services import CleanRow, RowError
from sarnakh.contacts.selectors import ObjectType, PropertyType, stage_list
from sarnakh.contacts.services import (
    PropertySpec,
    clean_contact_input,
    clean_property_values,
    property_specs,
)

MAX_VALUE_CHARS = 1000
# Choice fields whose unknown values keep the row (a warning, not an error): the value
# is replaced (channel: the import's unknown_channel) or left out (the rest: the import's
# default, or the contact's current value), and the original kept in a text property.
SOFT_FIELDS = ("channel", "source_type", "lead_status", "country", "language", "time_zone")
ORIGINAL_KEYS = {
    "channel": "source_detail", "stage": "original_stage", "source_type": "original_source_type",
    "lead_status": "original_lead_status", "country": "original_country", "language": "original_language",
    "time_zone": "original_time_zone",
}


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
    unknown_channel: str = "other"
    unknown_stage: str = ""
    date_orders: dict[str, str] | None = None  # column header -> day_first / month_first / year_first

    @property
    def activity_data(self) -> dict[str, Any]:
        return {"import_id": self.import_id, "file": self.file_name}


def original_value_label(key: str) -> str:
    """The label of the property an import keeps an unknown value in."""
    if key == "source_detail":
        return str(_("Source detail (from import)"))
    field = next((f for f, k in ORIGINAL_KEYS.items() if k == key), "")
    return _("Original %(field)s (from import)") % {"field": str(TARGETS.get(field, field)).lower()}


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
        self.date_orders = options.date_orders or {}
        self.date_properties = {
            target[len(PROPERTY_PREFIX):]: header for header, target in options.mapping.items()
            if target and target.startswith(PROPERTY_PREFIX) and getattr(self.specs.get(target[len(PROPERTY_PREFIX):]), "type", "") == PropertyType.DATE
        }
        # Properties an unknown value is kept in that are not defined yet: the importer
        # defines them (as text) in the transaction of the batch that first needs them.
        self.undefined_keys: set[str] = set()

    def contact_data(self, mapped: MappedRow) -> dict[str, Any]:
        data = dict(mapped.data)
        data.setdefault("source_type", self.options.source_type)
        data.setdefault("channel", self.options.channel)
        if self.options.tag:
            data["tags"] = [*data.get("tags", []), self.options.tag]
        return data

    def clean(self, number: int, cells: list[str]) -> tuple[CleanRow | None, list[RowError], list[RowError]]:
        """(clean row, [], warnings) or (None, errors naming the column and value, [])."""
        mapped = map_row(self.options.headers, self.options.mapping, cells)
        data = self.contact_data(mapped)
        warnings: list[RowError] = []
        originals: dict[str, str] = {}
        reduced = {k: v for k, v in data.items() if k not in ("stage", "properties")}
        clean, errors = clean_contact_input(reduced)
        soft = [name for name in SOFT_FIELDS if name in errors and name in mapped.columns]
        if soft:
            for name in soft:
                warnings.append(self._unknown_value(number, mapped, name, data, originals))
            reduced = {k: v for k, v in data.items() if k not in ("stage", "properties")}
            clean, errors = clean_contact_input(reduced)
        if "stage" in data and data["stage"] not in self.stages:
            warnings.append(self._unknown_value(number, mapped, "stage", data, originals))
        if "stage" in data:
            clean.stage = self.stages[data["stage"]]
        self._keep_originals(data, originals)
        if "properties" in data:
            self._read_date_properties(data["properties"])
            cleaned, property_errors = clean_property_values(data["properties"], self.specs)
            errors.update(property_errors)
            clean.properties = cleaned
        created_at = None
        if mapped.created_at:
            try:
                order = self.date_orders.get(mapped.columns.get("created_at", ""), MONTH_FIRST)
                created_at = parse_import_date(mapped.created_at, self.tz, order=order)
            except DateFormatError as exc:
                errors["created_at"] = [str(exc)]
        values = clean.values
        if not errors and not (values.get("email") or values.get("phone") or values.get("first_name") or values.get("last_name")):
            errors["email"] = [_("A contact needs at least an email, a phone or a name.")]
        if errors:
            return None, self.row_errors(number, mapped, errors), []
        return CleanRow(number=number, clean=clean, data=data, created_at=created_at), [], warnings

    def _unknown_value(self, number: int, mapped: MappedRow, name: str, data: dict[str, Any], originals: dict[str, str]) -> RowError:
        """Replaces or drops an unknown choice value in `data` and says so."""
        original = mapped.raw.get(name, str(data.get(name, "")))
        key = ORIGINAL_KEYS[name]
        originals[key] = original
        spec = self.specs.get(key)
        kept = key if spec is None or spec.type == PropertyType.TEXT else ""
        if name == "channel":
            data["channel"] = self.options.unknown_channel
            text, code, params = note("unknown_channel", channel=self.options.unknown_channel, key=kept)
        elif name == "stage" and self.options.unknown_stage in self.stages:
            data["stage"] = self.options.unknown_stage
            text, code, params = note("unknown_stage_set", stage=str(self.stages[self.options.unknown_stage]), key=kept)
        elif name == "stage":
            del data["stage"]
            text, code, params = note("unknown_stage_unset", key=kept)
        elif name == "source_type":
            data["source_type"] = self.options.source_type
            text, code, params = note("unknown_source_type", value=self.options.source_type, key=kept)
        else:
            del data[name]
            text, code, params = note("unknown_field", field=name, key=kept)
        return RowError(number, mapped.columns.get(name, ""), original[:MAX_VALUE_CHARS], text, code, params)

    def _keep_originals(self, data: dict[str, Any], originals: dict[str, str]) -> None:
        """Original values into their text properties, unless the file fills that property
        itself or it is defined with another type."""
        for key, value in originals.items():
            spec = self.specs.get(key)
            if spec is None:
                self.specs[key] = PropertySpec(key=key, label=original_value_label(key), type=PropertyType.TEXT)
                self.undefined_keys.add(key)
            elif spec.type != PropertyType.TEXT:
                continue
            properties = data.setdefault("properties", {})
            properties.setdefault(key, value[:MAX_VALUE_CHARS])

    def _read_date_properties(self, properties: dict[str, Any]) -> None:
        """Date properties read in their column's order (day-first, Jalali…) as YYYY-MM-DD;
        a value that does not parse is left for the property's own check to name."""
        for key, header in self.date_properties.items():
            value = properties.get(key)
            if isinstance(value, str) and value:
                try:
                    properties[key] = parse_import_date(value, self.tz, order=self.date_orders.get(header, MONTH_FIRST)).date().isoformat()
                except DateFormatError:
                    pass

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
