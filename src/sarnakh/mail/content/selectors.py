"""Reads of email templates, and the values a template is previewed with."""

from __future__ import annotations

from typing import Any

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.mail.content.models import EmailTemplate


def template_list() -> list[EmailTemplate]:
    return list(EmailTemplate.objects.order_by("name", "id"))


def template_get(template_id: int) -> EmailTemplate | None:
    return EmailTemplate.objects.filter(pk=template_id).first()


def template_by_name(name: str) -> EmailTemplate | None:
    return EmailTemplate.objects.filter(name=name).order_by("id").first()


def contact_values(contact_id: int | None) -> dict[str, Any] | None:
    """A live contact's personalisation values (contacts' selectors); with no id, the first
    contact's. None when there is no such contact (or none at all)."""
    if contact_id is None:
        contact_id = contact_selectors.first_contact_id()
        if contact_id is None:
            return None
    return contact_selectors.merge_fields(contact_id)


def preview_contact_choices() -> list[tuple[int, str]]:
    return contact_selectors.contact_choices()
