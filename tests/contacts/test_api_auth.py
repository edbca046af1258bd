"""API keys: 401 without a valid key, 403 for a read key on any write."""

import re

import pytest

from sarnakh.core.apikeys import apikey_create, apikey_revoke
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

WRITE_ROUTES = [
    ("post", "/api/v1/contacts"),
    ("put", "/api/v1/contacts/upsert"),
    ("post", "/api/v1/contacts/merge"),
    ("post", "/api/v1/contacts/bulk"),
    ("patch", "/api/v1/contacts/{id}"),
    ("delete", "/api/v1/contacts/{id}"),
    ("post", "/api/v1/contacts/{id}/stage"),
    ("post", "/api/v1/contacts/{id}/notes"),
    ("post", "/api/v1/companies"),
    ("patch", "/api/v1/companies/{id}"),
    ("delete", "/api/v1/companies/{id}"),
    ("post", "/api/v1/companies/{id}/notes"),
    ("post", "/api/v1/stages"),
    ("patch", "/api/v1/stages/{id}"),
    ("post", "/api/v1/properties"),
    ("patch", "/api/v1/properties/{id}"),
    ("delete", "/api/v1/properties/{id}"),
]
READ_ROUTES = [
    "/api/v1/contacts",
    "/api/v1/contacts/{id}",
    "/api/v1/contacts/{id}/timeline",
    "/api/v1/contacts/{id}/stages",
    "/api/v1/contacts/{id}/notes",
    "/api/v1/companies",
    "/api/v1/companies/{id}",
    "/api/v1/companies/{id}/contacts",
    "/api/v1/companies/{id}/notes",
    "/api/v1/stages",
    "/api/v1/properties",
]


def _path(template: str) -> str:
    return template.replace("{id}", "1")


def call(client, method, path):
    if method == "delete":
        return client.delete(path)
    return getattr(client, method)(path, {})


def documented_operations(client) -> list[tuple[str, str]]:
    schema = client.get("/api/v1/openapi.json").json()
    # Operations documented without `security` are public on purpose (form submissions).
    return [(method, re.sub(r"{[^}]+}", "1", path)) for path, operations in schema["paths"].items() for method, op in operations.items() if op.get("security")]


def test_given_openapi_then_the_routes_listed_here_are_documented(read_api):
    documented = set(documented_operations(read_api))
    assert {(m, _path(p)) for m, p in WRITE_ROUTES} <= documented
    assert {("get", _path(p)) for p in READ_ROUTES} <= documented


def test_given_every_documented_route_then_no_key_401_and_read_key_cannot_write(read_api, anon_api):
    for method, path in documented_operations(read_api):
        assert call(anon_api, method, path).status_code == 401, (method, path)
        if method != "get":
            assert call(read_api, method, path).status_code == 403, (method, path)


@pytest.mark.parametrize("method,path", WRITE_ROUTES)
def test_given_read_key_when_calling_write_route_then_403(read_api, method, path):
    response = call(read_api, method, _path(path))
    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method,path", [*WRITE_ROUTES, *[("get", p) for p in READ_ROUTES]])
def test_given_no_key_when_calling_any_route_then_401(anon_api, method, path):
    response = call(anon_api, method, _path(path))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("key", ["snk_not-a-real-key", "not-even-prefixed", ""])
def test_given_bad_key_then_401(db, key):
    assert ApiClient(key).get("/api/v1/contacts").status_code == 401
    assert ApiClient(None).client.get("/api/v1/contacts", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_given_revoked_key_then_401(db):
    issued = apikey_create(name="old", scope="write")
    client = ApiClient(issued.raw_key)
    assert client.get("/api/v1/contacts").status_code == 200
    apikey_revoke(key_id=issued.api_key.pk)
    assert client.get("/api/v1/contacts").status_code == 401
    assert client.post("/api/v1/contacts", {"email": "a@example.com"}).status_code == 401


@pytest.mark.parametrize("path", READ_ROUTES)
def test_given_read_key_when_reading_then_allowed(read_api, write_api, path):
    contact = write_api.post("/api/v1/contacts", {"email": "a@example.com", "company": "Acme"}).json()["contact"]
    path = path.replace("/contacts/{id}", f"/contacts/{contact['id']}").replace("/companies/{id}", f"/companies/{contact['company']['id']}")
    response = read_api.get(path)
    assert response.status_code == 200, response.content


def test_given_write_key_from_user_then_changes_are_attributed_to_the_key(admin_user):
    client = ApiClient(apikey_create(name="zapier", scope="write", created_by=admin_user).raw_key)
    contact_id = client.post("/api/v1/contacts", {"email": "a@example.com"}).json()["contact"]["id"]
    timeline = client.get(f"/api/v1/contacts/{contact_id}/timeline").json()["items"]
    assert {item["actor"] for item in timeline} == {"API key: zapier"}
    note = client.post(f"/api/v1/contacts/{contact_id}/notes", {"body": "hi"}).json()
    assert note["author"]["username"] == admin_user.username
