"""Writes to companies."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import ActivityKind, EmployeeBand, ObjectType, RevenueBand
from sarnakh.contacts.contact_input import is_country_code, property_specs
from sarnakh.contacts.events import ContactUpdated
from sarnakh.contacts.models import Company, Contact
from sarnakh.contacts.properties import apply_property_values, clean_property_values
from sarnakh.contacts.search import company_search_text, contact_search_text
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.events import publish
from sarnakh.core.normalize import (
    clean_display_text,
    email_domain,
    is_free_mail_domain,
    normalize_domain,
)
from sarnakh.core.timeline import timeline_write
from sarnakh.core.ui.formatting import format_number

COMPANY_FIELDS = frozenset(["name", "domain", "industry", "employee_band", "revenue_band", "country", "properties"])


def _clean_company(data: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], dict[str, Any] | None]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    if not isinstance(data, dict):
        raise ValidationFailed(_("Send a JSON object."))
    for name in data:
        if name not in COMPANY_FIELDS:
            errors[name] = [_("Unknown field.")]
    for name, limit in (("name", 200), ("industry", 120)):
        if name in data:
            value = data[name]
            if value is not None and not isinstance(value, str):
                errors[name] = [_("Enter text.")]
                continue
            text = clean_display_text(value)
            if len(text) > limit:
                errors[name] = [_("Keep this under %(max)s characters.") % {"max": format_number(limit)}]
            values[name] = text
    if creating and not values.get("name"):
        errors["name"] = [_("This field is required.")]
    if "name" in values and not values["name"]:
        errors["name"] = [_("This field is required.")]
    if "domain" in data:
        value = data["domain"]
        if value is None:
            domain = ""  # null clears the domain
        elif isinstance(value, str):
            domain = normalize_domain(value)
        else:
            domain = None
        if domain is None or (domain and ("." not in domain or len(domain) > 253 or " " in domain)):
            errors["domain"] = [_("Enter a domain such as example.com.")]
        else:
            values["domain"] = domain
    for name, choices in (("employee_band", EmployeeBand), ("revenue_band", RevenueBand)):
        if name in data:
            value = data[name] or ""
            if value and value not in choices.values:
                errors[name] = [_("Use one of: %(values)s.") % {"values": ", ".join(choices.values)}]
            else:
                values[name] = value
    if "country" in data:
        value = data["country"] or ""
        if isinstance(value, str) and (value.strip() == "" or is_country_code(value.strip())):
            values["country"] = value.strip().upper()
        else:
            errors["country"] = [_("Use a two-letter ISO country code such as IR or DE.")]
    properties = None
    if "properties" in data:
        properties, property_errors = clean_property_values(data["properties"], property_specs(ObjectType.COMPANY))
        errors.update(property_errors)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return values, properties


def _set_company(contact: Contact, company: Company | None, *, actor: Actor, now) -> None:
    """Moves one contact to `company` (or none), with its timeline row."""
    old_name = contact.company.name if contact.company_id else None
    contact.company = company
    contact.updated_at = now
    contact.search_text = contact_search_text(contact)
    contact.save(update_fields=["company", "updated_at", "search_text"])
    changes = {"company": [old_name, company.name if company else None]}
    timeline_write(contact=contact, kind=ActivityKind.UPDATED, actor=actor, at=now, data={"changes": changes})
    publish(ContactUpdated(contact_id=contact.pk, changes=changes), actor=actor)


def _link_contacts_by_domain(company: Company, *, actor: Actor, now) -> int:
    """Contacts without a company whose email is at the company's domain join it."""
    if not company.domain or is_free_mail_domain(company.domain):
        return 0
    linked = 0
    for contact in Contact.objects.filter(company__isnull=True, merged_into__isnull=True, email__endswith="@" + company.domain):
        if email_domain(contact.email) == company.domain:
            _set_company(contact, company, actor=actor, now=now)
            linked += 1
    return linked


def company_create(*, data: dict[str, Any], actor: Actor | None = None) -> Company:
    values, properties = _clean_company(data, creating=True)
    now = clock.now()
    company = Company(created_at=now, updated_at=now, **values)
    company.properties = apply_property_values({}, properties or {})
    company.search_text = company_search_text(company)
    try:
        with transaction.atomic():
            company.save()
            _link_contacts_by_domain(company, actor=actor or Actor.system(), now=now)
    except IntegrityError:
        raise Conflict(_("A company with this domain already exists."), fields={"domain": [_("Already used by another company.")]}) from None
    return company


def company_update(*, company_id: int, data: dict[str, Any], actor: Actor | None = None) -> Company:
    values, properties = _clean_company(data, creating=False)
    try:
        with transaction.atomic():
            company = Company.objects.select_for_update(of=("self",)).filter(pk=company_id).first()
            if company is None:
                raise NotFound(_("Company not found."))
            for name, value in values.items():
                setattr(company, name, value)
            if properties:
                company.properties = apply_property_values(company.properties, properties)
            now = clock.now()
            company.updated_at = now
            company.search_text = company_search_text(company)
            company.save()
            if "name" in values:
                for contact in company.contacts.all():
                    contact.company = company
                    contact.search_text = contact_search_text(contact)
                    contact.save(update_fields=["search_text"])
            if "domain" in values:
                _link_contacts_by_domain(company, actor=actor or Actor.system(), now=now)
    except IntegrityError:
        raise Conflict(_("A company with this domain already exists."), fields={"domain": [_("Already used by another company.")]}) from None
    return company


@transaction.atomic
def company_delete(*, company_id: int, actor: Actor | None = None) -> None:
    """Deletes the company; its contacts stay, without a company, each with a timeline row."""
    company = Company.objects.select_for_update(of=("self",)).filter(pk=company_id).first()
    if company is None:
        raise NotFound(_("Company not found."))
    now = clock.now()
    for contact in Contact.objects.filter(company=company).select_related("company"):
        _set_company(contact, None, actor=actor or Actor.system(), now=now)
    company.delete()
