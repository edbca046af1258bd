"""/api/v1/companies: CRUD, list, contacts of a company, notes."""

import pytest

from sarnakh.contacts.models import Company, Contact

pytestmark = pytest.mark.django_db

FIELDS = {"id", "name", "domain", "industry", "employee_band", "revenue_band", "country", "properties", "contact_count", "created_at", "updated_at"}


def test_given_company_when_creating_getting_updating_deleting_then_crud_works(write_api):
    created = write_api.post("/api/v1/companies", {"name": "Acme", "domain": "https://acme.com", "industry": "Software", "employee_band": "11-50", "revenue_band": "1m-10m", "country": "ir"})
    assert created.status_code == 201, created.content
    company = created.json()
    assert set(company) == FIELDS
    assert (company["domain"], company["country"], company["contact_count"]) == ("acme.com", "IR", 0)
    assert write_api.get(f"/api/v1/companies/{company['id']}").json() == company
    patched = write_api.patch(f"/api/v1/companies/{company['id']}", {"industry": "SaaS"})
    assert patched.status_code == 200 and patched.json()["industry"] == "SaaS" and patched.json()["name"] == "Acme"
    assert write_api.delete(f"/api/v1/companies/{company['id']}").status_code == 204
    assert write_api.get(f"/api/v1/companies/{company['id']}").status_code == 404


def test_given_duplicate_domain_then_409(write_api):
    write_api.post("/api/v1/companies", {"name": "Acme", "domain": "acme.com"})
    response = write_api.post("/api/v1/companies", {"name": "Acme Two", "domain": "ACME.com"})
    assert response.status_code == 409 and "domain" in response.json()["error"]["fields"]


@pytest.mark.parametrize(
    "body,field",
    [({}, "name"), ({"name": 5}, "name"), ({"name": "A", "size": 5}, "size"), ({"name": "A", "employee_band": "lots"}, "employee_band"), ({"name": "A", "domain": "nodot"}, "domain")],
)
def test_given_bad_company_then_422(write_api, body, field):
    response = write_api.post("/api/v1/companies", body)
    assert response.status_code == 422 and field in response.json()["error"]["fields"]
    assert Company.objects.count() == 0


def test_given_company_with_contacts_then_contacts_listed_and_counted(write_api):
    company = write_api.post("/api/v1/companies", {"name": "Acme", "domain": "acme.com"}).json()
    ids = [write_api.post("/api/v1/contacts", {"email": f"p{i}@acme.com"}).json()["contact"]["id"] for i in range(3)]
    write_api.post("/api/v1/contacts", {"email": "other@example.org"})
    page = write_api.get(f"/api/v1/companies/{company['id']}/contacts", {"limit": 2}).json()
    rest = write_api.get(f"/api/v1/companies/{company['id']}/contacts", {"cursor": page["next_cursor"]}).json()
    assert sorted(c["id"] for c in page["items"] + rest["items"]) == sorted(ids)
    assert page["total"] == rest["total"] == 3
    assert write_api.get(f"/api/v1/companies/{company['id']}").json()["contact_count"] == 3
    assert write_api.get("/api/v1/companies/999999/contacts").status_code == 404


def test_given_companies_when_listing_then_search_domain_filter_and_paging(write_api):
    for i in range(5):
        write_api.post("/api/v1/companies", {"name": f"شرکت {i}", "domain": f"co{i}.ir"})
    write_api.post("/api/v1/companies", {"name": "Kayhan", "domain": "kayhan.ir"})
    assert [c["name"] for c in write_api.get("/api/v1/companies", {"q": "KAYHAN"}).json()["items"]] == ["Kayhan"]
    assert len(write_api.get("/api/v1/companies", {"q": "شركت"}).json()["items"]) == 5
    assert [c["domain"] for c in write_api.get("/api/v1/companies", {"domain": "www.co3.ir"}).json()["items"]] == ["co3.ir"]
    first = write_api.get("/api/v1/companies", {"limit": 4}).json()
    second = write_api.get("/api/v1/companies", {"limit": 4, "cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 4 and len(second["items"]) == 2 and second["next_cursor"] is None
    assert write_api.get("/api/v1/companies", {"limit": 500}).status_code == 422


def test_given_company_deleted_then_its_contacts_stay(write_api):
    contact = write_api.post("/api/v1/contacts", {"email": "a@gmail.com", "company": "Acme"}).json()["contact"]
    write_api.delete(f"/api/v1/companies/{contact['company']['id']}")
    assert write_api.get(f"/api/v1/contacts/{contact['id']}").json()["company"] is None
    assert Contact.objects.count() == 1


def test_given_company_by_id_when_creating_contact_then_linked(write_api):
    company = write_api.post("/api/v1/companies", {"name": "Acme"}).json()
    contact = write_api.post("/api/v1/contacts", {"email": "a@gmail.com", "company": company["id"]}).json()["contact"]
    assert contact["company"]["id"] == company["id"]
    assert write_api.post("/api/v1/contacts", {"email": "b@gmail.com", "company": 999999}).status_code == 422
    assert write_api.post("/api/v1/contacts", {"email": "b@gmail.com", "company": True}).status_code == 422


def test_given_company_notes_then_added_and_listed(write_api):
    company = write_api.post("/api/v1/companies", {"name": "Acme"}).json()
    assert write_api.post(f"/api/v1/companies/{company['id']}/notes", {"body": "Renewal in May"}).status_code == 201
    notes = write_api.get(f"/api/v1/companies/{company['id']}/notes").json()
    assert [n["body"] for n in notes] == ["Renewal in May"]
    assert write_api.post("/api/v1/companies/999999/notes", {"body": "x"}).status_code == 404
    assert write_api.post(f"/api/v1/companies/{company['id']}/notes", {"body": ""}).status_code == 422
