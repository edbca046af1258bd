"""The API docs page (/api/v1/docs) loads Swagger UI from this server, never from a CDN,
so a self-hosted install without internet access still shows it."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_given_docs_page_then_every_asset_is_served_from_here(client):
    response = client.get("/api/v1/docs")

    body = response.content.decode()
    assert response.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+)"', body)
    assert "/static/ninja/swagger-ui-bundle.js" in assets and "/static/ninja/swagger-ui.css" in assets
    assert all(url.startswith("/") for url in assets), assets
    assert "cdn" not in body.lower()


@pytest.mark.parametrize("asset", ["ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"])
def test_given_swagger_assets_then_the_server_serves_them(client, asset):
    response = client.get(f"/static/{asset}")

    assert response.status_code == 200
    assert len(response.getvalue()) > 1000
