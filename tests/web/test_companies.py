"""Companies list and company page."""

from __future__ import annotations

import pytest

from sarnakh.contacts.company_services import company_create
from sarnakh.contacts.models import Company, Note
from tests.web.conftest import htmx_headers

pytestmark = pytest.mark.django_db


def test_given_companies_when_searching_then_matching_listed_with_contact_counts(admin_client, make_contact):
    company_create(data={"name": "کاوه فولاد", "domain": "kaveh.ir"})
    company_create(data={"name": "Acme", "domain": "acme.com"})
    make_contact(email="x@kaveh.ir")
    body = admin_client.get("/companies/", {"q": "كاوه"}).content.decode()
    assert "کاوه فولاد" in body and "Acme" not in body


def test_given_company_when_opened_then_its_contacts_and_notes_shown(admin_client, make_contact):
    company = company_create(data={"name": "Acme", "domain": "acme.com"})
    make_contact(first_name="Worker", email="worker@acme.com")
    page = admin_client.get(f"/companies/{company.pk}/").content.decode()
    assert "Worker" in page and "acme.com" in page


def test_given_company_when_field_edited_inline_then_saved_or_error_shown(admin_client):
    company = company_create(data={"name": "Acme"})
    ok = admin_client.post(f"/companies/{company.pk}/fields/industry/", {"value": "Software"}, **htmx_headers())
    assert ok.status_code == 200 and "Software" in ok.content.decode()
    bad = admin_client.post(f"/companies/{company.pk}/fields/domain/", {"value": "not a domain"}, **htmx_headers())
    assert bad.status_code == 422 and "field-error" in bad.content.decode()
    company.refresh_from_db()
    assert company.industry == "Software" and company.domain == ""


def test_given_company_when_note_added_then_listed(admin_client):
    company = company_create(data={"name": "Acme"})
    response = admin_client.post(f"/companies/{company.pk}/notes/", {"body": "Renewal in May"}, **htmx_headers())
    assert response.status_code == 200 and "Renewal in May" in response.content.decode()
    assert Note.objects.filter(company=company).count() == 1


def test_given_new_company_form_when_posted_then_created(admin_client):
    response = admin_client.post("/companies/new/", {"name": "Tosan", "domain": "tosan.ir", "industry": ""})
    company = Company.objects.get(name="Tosan")
    assert response.status_code == 302 and response["Location"] == f"/companies/{company.pk}/"
    assert admin_client.post("/companies/new/", {"name": ""}).status_code == 422


def test_given_company_name_with_script_when_rendered_then_escaped(admin_client):
    company = company_create(data={"name": "<script>alert(1)</script>"})
    for path in ("/companies/", f"/companies/{company.pk}/"):
        assert "<script>alert(1)</script>" not in admin_client.get(path).content.decode()
