"""/api/v1/stages and /api/v1/properties."""

import pytest

from sarnakh.contacts.models import LifecycleStage, PropertyDefinition


@pytest.fixture(autouse=True)
def without_builtin_properties(db):
    """These tests count property definitions from an empty table; the BANT properties
    that scoring ships (a data migration) are set aside for them."""
    PropertyDefinition.objects.filter(key__startswith="bant_").delete()


pytestmark = pytest.mark.django_db


def test_given_default_stages_when_listing_then_keys_funnel_and_order(read_api):
    stages = read_api.get("/api/v1/stages").json()
    assert [s["key"] for s in stages] == ["subscriber", "lead", "mql", "sql", "opportunity", "customer", "recycled", "disqualified", "cold"]
    assert {s["funnel"] for s in stages[:6]} <= {"tofu", "mofu", "bofu"}
    assert {s["kind"] for s in stages[6:]} == {"side"}
    assert [s["order"] for s in stages] == sorted(s["order"] for s in stages)


def test_given_stage_when_renaming_then_name_changes(write_api):
    response = write_api.patch("/api/v1/stages/mql", {"name": "Marketing-ready"})
    assert response.status_code == 200 and response.json()["name"] == "Marketing-ready"
    assert write_api.patch("/api/v1/stages/nope", {"name": "X"}).status_code == 404
    assert write_api.patch("/api/v1/stages/mql", {"funnel": "middle"}).status_code == 422


def test_given_stage_when_naming_it_per_language_then_the_key_stays_and_each_language_reads_its_name(write_api):
    response = write_api.patch("/api/v1/stages/customer", {"name": "Client", "name_fa": "خریدار"})

    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("key", "name", "name_en", "name_fa")} == {
        "key": "customer", "name": "Client", "name_en": "Client", "name_fa": "خریدار",
    }
    persian = write_api.get("/api/v1/stages", HTTP_ACCEPT_LANGUAGE="fa").json()
    assert next(s for s in persian if s["key"] == "customer")["name"] == "خریدار"
    created = write_api.post("/api/v1/stages", {"key": "demo", "name": "Demo booked", "name_fa": "دمو رزرو شد"}).json()
    assert (created["name_en"], created["name_fa"]) == ("Demo booked", "دمو رزرو شد")


def test_given_new_stage_after_sql_then_inserted_and_usable(write_api):
    response = write_api.post("/api/v1/stages", {"key": "demo", "name": "Demo booked", "funnel": "bofu", "after": "sql"})
    assert response.status_code == 201, response.content
    keys = [s["key"] for s in write_api.get("/api/v1/stages").json()]
    assert keys[keys.index("sql") + 1] == "demo"
    contact = write_api.post("/api/v1/contacts", {"email": "a@example.com", "stage": "sql"}).json()["contact"]
    assert write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": "demo"}).status_code == 200
    assert write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": "sql"}).status_code == 422


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"key": "lead", "name": "Lead"}, 409, "key"),
        ({"key": "Demo Booked", "name": "X"}, 422, "key"),
        ({"key": "x" * 41, "name": "X"}, 422, "key"),
        ({"key": "demo", "name": "X", "after": "nope"}, 422, "after"),
        ({"key": "demo"}, 422, "name"),
    ],
)
def test_given_bad_stage_then_refused(write_api, body, status, field):
    before = LifecycleStage.objects.count()
    response = write_api.post("/api/v1/stages", body)
    assert response.status_code == status and field in response.json()["error"]["fields"]
    assert LifecycleStage.objects.count() == before


def test_given_property_definition_when_creating_listing_updating_deleting_then_works(write_api):
    created = write_api.post("/api/v1/properties", {"object_type": "contact", "key": "industry_fit", "label": "Fit", "type": "choice", "choices": ["good", "bad", "good"]})
    assert created.status_code == 201, created.content
    definition = created.json()
    assert definition["choices"] == ["good", "bad"]
    assert [d["key"] for d in write_api.get("/api/v1/properties", {"object_type": "contact"}).json()] == ["industry_fit"]
    assert write_api.get("/api/v1/properties", {"object_type": "company"}).json() == []
    patched = write_api.patch(f"/api/v1/properties/{definition['id']}", {"label": "ICP fit", "choices": ["good", "ok", "bad"]})
    assert patched.json()["label"] == "ICP fit" and patched.json()["choices"] == ["good", "ok", "bad"]
    assert write_api.delete(f"/api/v1/properties/{definition['id']}").status_code == 204
    assert write_api.delete(f"/api/v1/properties/{definition['id']}").status_code == 404


@pytest.mark.parametrize(
    "body,status,field",
    [
        ({"key": "tier", "type": "text"}, 409, "key"),
        ({"key": "email", "type": "text"}, 422, "key"),
        ({"key": "created_at", "type": "date"}, 422, "key"),
        ({"key": "size", "type": "choice"}, 422, "choices"),
        ({"key": "size", "type": "multi_choice", "choices": []}, 422, "choices"),
        ({"key": "size", "type": "money"}, 422, "type"),
        ({"key": "size", "type": "text", "colour": "red"}, 422, "colour"),
        ({"key": "size", "type": "text", "object_type": "deal"}, 422, "object_type"),
    ],
)
def test_given_bad_property_definition_then_refused(write_api, body, status, field):
    write_api.post("/api/v1/properties", {"object_type": "contact", "key": "tier", "label": "Tier", "type": "text"})
    response = write_api.post("/api/v1/properties", {"object_type": "contact", "label": "Label", **body})
    assert response.status_code == status, response.content
    assert field in response.json()["error"]["fields"]
    assert PropertyDefinition.objects.count() == 1


def test_given_property_in_use_when_deleting_then_409(write_api):
    definition = write_api.post("/api/v1/properties", {"object_type": "contact", "key": "tier", "label": "Tier", "type": "text"}).json()
    write_api.post("/api/v1/contacts", {"email": "a@example.com", "properties": {"tier": "gold"}})
    assert write_api.delete(f"/api/v1/properties/{definition['id']}").status_code == 409
