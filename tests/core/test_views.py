from unittest import mock

import pytest

pytestmark = pytest.mark.django_db


def test_given_database_up_when_asking_healthz_then_200_with_database_status(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["vendor"] in ("sqlite", "postgresql")
    assert body["version"]


def test_given_database_down_when_asking_healthz_then_503_and_the_error(client):
    with mock.patch("sarnakh.core.views.connection.cursor", side_effect=RuntimeError("database is gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == {"status": "error", "vendor": mock.ANY, "error": "database is gone"}


def test_given_post_when_asking_healthz_then_405(client):
    assert client.post("/healthz").status_code == 405


def test_given_oversize_body_then_413_with_the_error_shape(client, settings):
    settings.SARNAKH_MAX_BODY_BYTES = 100
    response = client.post("/api/v1/contacts", data="x" * 200, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
