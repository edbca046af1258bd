"""Inline-editable fields of contacts and companies: how each shows, edits and saves.

A field's form posts one `value` (several for multiple choice); `payload` turns it into
the dict the domain service takes, so the UI validates exactly like the API does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sarnakh.contacts import selectors
from sarnakh.contacts.choices import (
    Consent,
    EmployeeBand,
    LeadStatus,
    ObjectType,
    PropertyType,
    RevenueBand,
)
from sarnakh.core.lead_source import Channel, SourceType
from sarnakh.core.ui.formatting import format_number, format_when
from sarnakh.core.users import assignable_users

PROPERTY_PREFIX = "p."
INPUT_FOR_PROPERTY = {
    PropertyType.TEXT: "text",
    PropertyType.NUMBER: "number",
    PropertyType.DATE: "date",
    PropertyType.BOOLEAN: "boolean",
    PropertyType.CHOICE: "select",
    PropertyType.MULTI_CHOICE: "multi",
}


@dataclass(frozen=True)
class EditableField:
    name: str  # as in URLs: "email", or "p.<key>" for a custom property
    label: str
    input: str  # text, email, tel, number, date, select, multi, boolean, tags
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""

    @property
    def slug(self) -> str:
        return self.name.replace(".", "-")

    @property
    def property_key(self) -> str:
        return self.name.removeprefix(PROPERTY_PREFIX) if self.name.startswith(PROPERTY_PREFIX) else ""

    def raw(self, obj) -> Any:
        if self.property_key:
            return (obj.properties or {}).get(self.property_key)
        if self.name == "owner":
            return obj.owner_id
        if self.name == "company":
            return obj.company.name if obj.company_id and obj.company else ""
        if self.name == "tags":
            return sorted(tag.name for tag in obj.tags.all())
        return getattr(obj, self.name)

    def form_value(self, obj) -> Any:
        raw = self.raw(obj)
        if raw is None:
            return [] if self.input == "multi" else ""
        if self.input == "boolean":
            return "true" if raw else "false"
        if self.input == "multi":
            return [str(v) for v in raw]
        if self.input == "tags":
            return ", ".join(raw)
        return str(raw)

    def display(self, obj) -> str:
        raw = self.raw(obj)
        if raw is None or raw == "" or raw == []:
            return ""
        if self.input == "boolean":
            return _("Yes") if raw else _("No")
        if self.input == "date":
            return format_when(raw, with_time=False)
        if self.input == "number":
            return format_number(raw) if isinstance(raw, int) else str(raw)
        if isinstance(raw, list):
            return ", ".join(str(v) for v in raw)
        labels = dict(self.choices)
        return str(labels.get(str(raw), raw))

    def link(self, obj) -> str:
        if self.name == "company" and obj.company_id:
            from django.urls import reverse

            return reverse("companies:detail", args=[obj.company_id])
        return ""

    def payload(self, post) -> dict[str, Any]:
        if self.input == "multi":
            value: Any = [v for v in post.getlist("value") if v]
        else:
            value = (post.get("value") or "").strip()
        if self.input == "tags":
            value = [part.strip() for part in value.replace("،", ",").split(",") if part.strip()]
        elif self.input == "boolean":
            value = {"true": True, "false": False}.get(value)
        elif self.name == "owner":
            value = int(value) if value.isdigit() else None
        if self.property_key:
            return {"properties": {self.property_key: value if value not in ("", []) else None}}
        return {self.name: value}


def _choices(text_choices, *, blank: bool = False) -> tuple[tuple[str, str], ...]:
    items = tuple((value, str(label)) for value, label in text_choices.choices)
    return ((("", "—"),) + items) if blank else items


def _property_fields(object_type: str) -> list[EditableField]:
    fields = []
    for definition in selectors.property_definitions(object_type):
        choices: tuple[tuple[str, str], ...] = ()
        if definition.type in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
            choices = tuple((c, c) for c in definition.choices)
            if definition.type == PropertyType.CHOICE:
                choices = (("", "—"), *choices)
        fields.append(
            EditableField(
                name=PROPERTY_PREFIX + definition.key,
                label=definition.display_label,
                input=INPUT_FOR_PROPERTY.get(definition.type, "text"),
                choices=choices,
                help_text=definition.display_help,
            )
        )
    return fields


def contact_fields() -> list[EditableField]:
    owners = (("", "—"), *((str(u.pk), u.get_full_name() or u.get_username()) for u in assignable_users()))
    return [
        EditableField("first_name", _("First name"), "text"),
        EditableField("last_name", _("Last name"), "text"),
        EditableField("email", _("Email"), "email"),
        EditableField("phone", _("Phone"), "tel"),
        EditableField("company", _("Company"), "text", help_text=_("Type a company name; a new company is created if none matches.")),
        EditableField("job_title", _("Job title"), "text"),
        EditableField("owner", _("Owner"), "select", owners),
        EditableField("lead_status", _("Lead status"), "select", _choices(LeadStatus)),
        EditableField("source_type", _("Source type"), "select", _choices(SourceType)),
        EditableField("channel", _("Channel"), "select", _choices(Channel)),
        EditableField("country", _("Country"), "text", help_text=_("Two-letter code such as IR or DE.")),
        EditableField("city", _("City"), "text"),
        EditableField("language", _("Language"), "text"),
        EditableField("time_zone", _("Time zone"), "text"),
        EditableField("consent", _("Email consent"), "select", _choices(Consent)),
        EditableField("tags", _("Tags"), "tags", help_text=_("Separate tags with commas.")),
    ]


def contact_property_fields() -> list[EditableField]:
    return _property_fields(ObjectType.CONTACT)


def company_fields() -> list[EditableField]:
    return [
        EditableField("name", _("Name"), "text"),
        EditableField("domain", _("Domain"), "text"),
        EditableField("industry", _("Industry"), "text"),
        EditableField("employee_band", _("Employees"), "select", _choices(EmployeeBand, blank=True)),
        EditableField("revenue_band", _("Annual revenue"), "select", _choices(RevenueBand, blank=True)),
        EditableField("country", _("Country"), "text", help_text=_("Two-letter code such as IR or DE.")),
    ]


def company_property_fields() -> list[EditableField]:
    return _property_fields(ObjectType.COMPANY)


def find_field(fields: list[EditableField], name: str) -> EditableField | None:
    return next((f for f in fields if f.name == name), None)
