"""/api/v1/webhooks: CRUD, scopes, the secret shown once, event types, the delivery log
and redelivery."""

from __future__ import annotations

import pytest

from sarnakh.core.jobs import run_pending_jobs
from sarnakh.webhooks.models import Webhook, WebhookDelivery
from tests.webhooks.conftest import LeadQualified, publish_now

pytestmark = pytest.mark.django_db

PUBLIC = "https://hooks.invalid/sarnakh"  # never connected to: it does not resolve


def _create(api, **body):
    return api.post("/api/v1/webhooks", {"url": PUBLIC, "events": ["webhooks_test.qualified"], **body})


def test_creating_a_webhook_answers_201_with_its_secret_once(write_api, read_api):
    response = _create(write_api, name="CRM sync")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] == Webhook.objects.get().secret
    assert (body["url"], body["events"], body["name"], body["payload_format"], body["is_active"]) == (
        PUBLIC, ["webhooks_test.qualified"], "CRM sync", "json", True,
    )
    assert body["last_delivery"] is None and body["disabled_reason"] == ""
    # the secret is never shown again
    assert "secret" not in read_api.get(f"/api/v1/webhooks/{body['id']}").json()
    assert all("secret" not in w for w in read_api.get("/api/v1/webhooks").json())
    assert "secret" not in write_api.patch(f"/api/v1/webhooks/{body['id']}", {"name": "x"}).json()


def test_a_read_key_lists_and_a_write_key_is_needed_to_change(write_api, read_api, anon_api):
    webhook_id = _create(write_api).json()["id"]
    assert [w["id"] for w in read_api.get("/api/v1/webhooks").json()] == [webhook_id]
    assert read_api.get(f"/api/v1/webhooks/{webhook_id}/deliveries").status_code == 200
    assert read_api.get("/api/v1/webhooks/event-types").status_code == 200
    assert _create(read_api).status_code == 403
    assert read_api.patch(f"/api/v1/webhooks/{webhook_id}", {"is_active": False}).status_code == 403
    assert read_api.post(f"/api/v1/webhooks/{webhook_id}/rotate-secret").status_code == 403
    assert read_api.post(f"/api/v1/webhooks/{webhook_id}/test").status_code == 403
    assert read_api.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 403
    assert anon_api.get("/api/v1/webhooks").status_code == 401
    assert Webhook.objects.get().is_active


def test_patch_changes_what_is_sent_and_delete_removes_it(write_api):
    webhook_id = _create(write_api).json()["id"]
    response = write_api.patch(f"/api/v1/webhooks/{webhook_id}", {"events": ["*"], "payload_format": "slack", "is_active": False})
    assert response.status_code == 200, response.content
    assert (response.json()["events"], response.json()["payload_format"], response.json()["is_active"]) == (["*"], "slack", False)
    assert write_api.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 204
    assert write_api.get(f"/api/v1/webhooks/{webhook_id}").status_code == 404
    assert write_api.delete(f"/api/v1/webhooks/{webhook_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/"}, "url"),
        ({"url": "ftp://example.com/"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["webhooks_test.qualified", "contact.nope"]}, "events.1"),
        ({"payload_format": "xml"}, "payload_format"),
        ({"is_active": "yes"}, "is_active"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_changes_nothing(write_api, body, field):
    response = _create(write_api, **body)
    assert response.status_code == 422, response.content
    assert field in response.json()["error"]["fields"]
    assert not Webhook.objects.exists()


def test_rotating_the_secret_shows_the_new_one_once(write_api):
    created = _create(write_api).json()
    rotated = write_api.post(f"/api/v1/webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200
    assert rotated.json()["secret"] != created["secret"] and rotated.json()["secret"] == Webhook.objects.get().secret
    assert Webhook.objects.get().previous_secret == created["secret"]


def test_event_types_list_what_is_registered_now(read_api):
    types = {t["name"]: t for t in read_api.get("/api/v1/webhooks/event-types").json()}
    qualified = types["webhooks_test.qualified"]
    assert (qualified["label"], qualified["group"]) == ("Lead qualified (webhook tests)", "webhooks_test")
    assert qualified["payload_schema"]["properties"]["score"] == {"type": "integer"}


def test_the_delivery_log_pages_newest_first_with_attempts_and_redelivers(write_api, read_api, receiver, allow_private):
    hook = write_api.post("/api/v1/webhooks", {"url": receiver.url, "events": ["*"]}).json()
    for contact_id in (1, 2, 3):
        publish_now(LeadQualified(contact_id=contact_id))
    run_pending_jobs()
    page = read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", {"limit": 2})
    assert page.status_code == 200, page.content
    body = page.json()
    ids = [d["id"] for d in body["items"]]
    assert ids == sorted(ids, reverse=True) and len(ids) == 2 and body["next_cursor"]
    first = body["items"][0]
    assert (first["status"], first["attempt_count"], first["last_status_code"]) == ("delivered", 1, 200)
    assert first["attempts"][0]["status_code"] == 200 and first["attempts"][0]["duration_ms"] >= 0
    rest = read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", {"limit": 2, "cursor": body["next_cursor"]}).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", {"status": "failed"}).json()["items"] == []
    assert read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", {"status": "lost"}).status_code == 422
    assert read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries", {"cursor": "!!"}).status_code == 422
    # one delivery with its body
    detail = read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{ids[0]}").json()
    assert detail["body"] == WebhookDelivery.objects.get(pk=ids[0]).body
    # redelivery: 202, one more attempt
    response = write_api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{ids[0]}/redeliver")
    assert response.status_code == 202 and response.json()["redelivery_queued"] is True
    run_pending_jobs()
    assert len(receiver.requests) == 4
    assert read_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries/{ids[0]}").json()["attempt_count"] == 2
    assert write_api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/999999/redeliver").status_code == 404


def test_a_test_event_is_202_and_shows_in_the_log(write_api, receiver, allow_private):
    hook = write_api.post("/api/v1/webhooks", {"url": receiver.url, "events": ["*"]}).json()
    response = write_api.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert response.status_code == 202 and response.json()["event_name"] == "webhook.test"
    run_pending_jobs()
    assert write_api.get(f"/api/v1/webhooks/{hook['id']}").json()["last_delivery"]["status"] == "delivered"


def test_the_openapi_document_describes_the_webhook_operations(read_api):
    paths = read_api.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/webhooks"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/webhooks/{webhook_id}"])
    assert "post" in paths["/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"]
    created = paths["/api/v1/webhooks"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("/WebhookWithSecretOut")
