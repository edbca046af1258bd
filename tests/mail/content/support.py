"""Contacts and templates for the email-template tests."""

from __future__ import annotations

import datetime as dt

from sarnakh.contacts.models import Company, Contact
from sarnakh.mail.content import services

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def company(name: str = "Acme", **values) -> Company:
    return Company.objects.create(name=name, created_at=NOW, updated_at=NOW, **values)


def contact(email: str = "sara@example.com", **values) -> Contact:
    return Contact.objects.create(email=email, stage_id="lead", created_at=NOW, updated_at=NOW, **values)


def newsletter(**values):
    fields = {"name": "Monthly news", "subject": "News for {{ contact.first_name | default('you') }}",
              "preheader": "From {{ company.name }}", "language": "en",
              "html": "<style>h1{color:#123456}</style><h1>Hello {{ contact.first_name | default('friend') }}</h1>"
                      "<p>Plan: {{ contact.properties.plan | default('none') }}; {{ data.offer }}</p>"
                      "<p><a href='https://example.com/offer'>See the offer</a></p>"}
    return services.template_create(**{**fields, **values})
