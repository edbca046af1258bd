"""Company writes."""

import pytest

from sarnakh.contacts import company_services
from sarnakh.contacts.models import Activity, Company, Contact
from sarnakh.contacts.settings_services import property_define
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


def test_given_name_and_url_when_creating_then_domain_normalised():
    company = company_services.company_create(data={"name": " Acme  Inc ", "domain": "https://www.ACME.com/about", "country": "de"})
    assert (company.name, company.domain, company.country) == ("Acme Inc", "acme.com", "DE")


def test_given_existing_domain_when_creating_then_conflict():
    company_services.company_create(data={"name": "Acme", "domain": "acme.com"})
    with pytest.raises(Conflict) as caught:
        company_services.company_create(data={"name": "Acme 2", "domain": "www.acme.com"})
    assert "domain" in caught.value.fields
    assert Company.objects.count() == 1


@pytest.mark.parametrize(
    "data,field",
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "A", "domain": "not a domain"}, "domain"),
        ({"name": "A", "employee_band": "huge"}, "employee_band"),
        ({"name": "A", "revenue_band": 5}, "revenue_band"),
        ({"name": "A", "country": "Iran"}, "country"),
        ({"name": "A", "country": "ای"}, "country"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "ceo": "B"}, "ceo"),
        ({"name": "A", "properties": {"nope": 1}}, "properties.nope"),
    ],
)
def test_given_invalid_data_when_creating_then_field_named_and_nothing_saved(data, field):
    with pytest.raises(ValidationFailed) as caught:
        company_services.company_create(data=data)
    assert field in caught.value.fields
    assert Company.objects.count() == 0


def test_given_contacts_at_domain_when_company_created_then_linked_with_timeline_rows(make_contact):
    ann = make_contact(email="ann@pars.ir")
    make_contact(email="bob@notpars.ir")
    company = company_services.company_create(data={"name": "Pars", "domain": "pars.ir"})
    ann.refresh_from_db()
    assert ann.company == company
    assert Contact.objects.filter(company=company).count() == 1
    assert Activity.objects.get(contact=ann, kind="updated").data["changes"] == {"company": [None, "Pars"]}
    assert "pars" in ann.search_text


def test_given_company_properties_when_updating_then_validated_and_null_removes():
    property_define(object_type="company", key="tier", label="Tier", type="choice", choices=["gold", "silver"])
    company = company_services.company_create(data={"name": "Acme", "properties": {"tier": "gold"}})
    assert company.properties == {"tier": "gold"}
    with pytest.raises(ValidationFailed) as caught:
        company_services.company_update(company_id=company.pk, data={"properties": {"tier": "bronze"}})
    assert "properties.tier" in caught.value.fields
    updated = company_services.company_update(company_id=company.pk, data={"properties": {"tier": None}})
    assert updated.properties == {}


def test_given_rename_when_updating_then_contacts_found_by_new_name(make_contact):
    contact = make_contact(email="a@gmail.com", company="Old Name")
    company_services.company_update(company_id=contact.company_id, data={"name": "New Name"})
    contact.refresh_from_db()
    assert "new name" in contact.search_text and "old name" not in contact.search_text


def test_given_null_domain_when_updating_then_domain_cleared():
    company = company_services.company_create(data={"name": "Acme", "domain": "acme.com"})
    assert company_services.company_update(company_id=company.pk, data={"domain": None}).domain == ""


def test_given_company_with_contacts_when_deleting_then_contacts_stay_unlinked_with_timeline(make_contact):
    contact = make_contact(email="a@gmail.com", company="Acme")
    company_services.company_delete(company_id=contact.company_id)
    contact.refresh_from_db()
    assert contact.company is None and "acme" not in contact.search_text
    assert Activity.objects.get(contact=contact, kind="updated").data["changes"] == {"company": ["Acme", None]}


def test_given_missing_company_when_updating_or_deleting_then_not_found():
    with pytest.raises(NotFound):
        company_services.company_update(company_id=424242, data={"name": "X"})
    with pytest.raises(NotFound):
        company_services.company_delete(company_id=424242)
