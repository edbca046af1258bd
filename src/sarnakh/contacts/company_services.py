"""Writes to companies."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import EmployeeBand, ObjectType, RevenueBand
from sarnakh.contacts.contact_input import property_specs
from sarnakh.contacts.models import Company, Contact
from sarnakh.contacts.properties import apply_property_values, clean_property_values
from sarnakh.contacts.search import company_search_text, contact_search_text
from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.normalize import (
    clean_display_text,
    email_domain,
    is_free_mail_domain,
    normalize_domain,
)

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
                errors[name] = [_("Keep this under %(max)d characters.") % {"max": limit}]
            values[name] = text
    if creating and not values.get("name"):
        errors["name"] = [_("This field is required.")]
    if "name" in values and not values["name"]:
        errors["name"] = [_("This field is required.")]
    if "domain" in data:
        value = data["domain"]
        domain = normalize_domain(value) if isinstance(value, str) else None
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
        if isinstance(value, str) and (value == "" or (len(value) == 2 and value.isalpha())):
            values["country"] = value.upper()
        else:
            errors["country"] = [_("Use a two-letter ISO country code such as IR or DE.")]
    properties = None
    if "properties" in data:
        properties, property_errors = clean_property_values(data["properties"], property_specs(ObjectType.COMPANY))
        errors.update(property_errors)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    return values, properties


def _link_contacts_by_domain(company: Company) -> int:
    """Contacts without a company whose email is at the company's domain join it."""
    if not company.domain or is_free_mail_domain(company.domain):
        return 0
    linked = 0
    for contact in Contact.objects.filter(company__isnull=True, merged_into__isnull=True, email__endswith="@" + company.domain):
        if email_domain(contact.email) == company.domain:
            contact.company = company
            contact.search_text = contact_search_text(contact)
            contact.save(update_fields=["company", "search_text"])
            linked += 1
    return linked


def company_create(*, data: dict[str, Any]) -> Company:
    values, properties = _clean_company(data, creating=True)
    now = clock.now()
    company = Company(created_at=now, updated_at=now, **values)
    company.properties = apply_property_values({}, properties or {})
    company.search_text = company_search_text(company)
    try:
        with transaction.atomic():
            company.save()
            _link_contacts_by_domain(company)
    except IntegrityError:
        raise Conflict(_("A company with this domain already exists."), fields={"domain": [_("Already used by another company.")]}) from None
    return company


def company_update(*, company_id: int, data: dict[str, Any]) -> Company:
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
            company.updated_at = clock.now()
            company.search_text = company_search_text(company)
            company.save()
            if "name" in values:
                for contact in company.contacts.all():
                    contact.company = company
                    contact.search_text = contact_search_text(contact)
                    contact.save(update_fields=["search_text"])
            if "domain" in values:
                _link_contacts_by_domain(company)
    except IntegrityError:
        raise Conflict(_("A company with this domain already exists."), fields={"domain": [_("Already used by another company.")]}) from None
    return company


@transaction.atomic
def company_delete(*, company_id: int) -> None:
    deleted, _rows = Company.objects.filter(pk=company_id).delete()
    if not deleted:
        raise NotFound(_("Company not found."))
