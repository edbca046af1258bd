"""/api/v1/segments: auth, CRUD, refresh, count, members and static list changes."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.segments.models import Segment
from tests.core.filters import world

pytestmark = pytest.mark.django_db

IRAN = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}]}


def test_given_no_key_or_a_read_key_then_writes_are_refused_and_reads_need_a_key(anon_api, read_api):
    assert anon_api.get("/api/v1/segments").status_code == 401
    assert read_api.get("/api/v1/segments").status_code == 200
    assert read_api.post("/api/v1/segments", {"name": "x", "filter": IRAN}).status_code == 403
    assert not Segment.objects.exists()


def test_given_a_bad_filter_when_posted_then_422_names_the_node_and_nothing_is_saved(write_api):
    bad = {"match": "all", "conditions": [{"field": "country", "op": "eq", "value": "IR"}, {"field": "colour", "op": "eq", "value": 1}]}
    response = write_api.post("/api/v1/segments", {"name": "x", "filter": bad})
    assert response.status_code == 422, response.content
    assert "filter.conditions[1].field" in response.json()["error"]["fields"]
    assert not Segment.objects.exists()


def test_given_contacts_when_a_segment_is_created_changed_counted_refreshed_and_deleted_over_the_api(write_api):
    ids = world.build(seed=5, contacts=20)
    iran = set(Contact.objects.filter(pk__in=ids, country="IR").values_list("pk", flat=True))
    created = write_api.post("/api/v1/segments", {"name": "Iran", "filter": IRAN})
    assert created.status_code == 201, created.content
    segment = created.json()
    assert segment["member_count"] == len(iran) and segment["kind"] == "dynamic"
    sid = segment["id"]
    # members, page by page
    seen, cursor = [], None
    for _ in range(10):
        page = write_api.get(f"/api/v1/segments/{sid}/members", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        seen += [m["contact_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(iran)
    assert write_api.get(f"/api/v1/segments/{sid}/members", {"cursor": "%%%"}).status_code == 422
    # a change behind the services' back shows in the live count, and a refresh catches up
    Contact.objects.filter(pk__in=ids).exclude(pk__in=iran).filter(pk=min(set(ids) - iran)).update(country="IR")
    assert write_api.get(f"/api/v1/segments/{sid}/count").json() == {"member_count": len(iran), "matching_now": len(iran) + 1}
    assert write_api.post(f"/api/v1/segments/{sid}/refresh").json() == {"entered": 1, "left": 0, "member_count": len(iran) + 1}
    # the contact's segments
    joined = min(set(ids) - iran)
    [of] = write_api.get(f"/api/v1/segments/of-contact/{joined}").json()
    assert of["segment_id"] == sid and of["reason"] == "refresh"
    # rename, then delete
    assert write_api.patch(f"/api/v1/segments/{sid}", {"name": "Iranians"}).json()["name"] == "Iranians"
    assert write_api.delete(f"/api/v1/segments/{sid}").status_code == 204
    assert write_api.get(f"/api/v1/segments/{sid}").status_code == 404


def test_given_a_static_list_when_members_are_added_and_removed_over_the_api_then_counts_follow(write_api):
    ids = world.build(seed=2, contacts=5)
    sid = write_api.post("/api/v1/segments", {"name": "Show", "kind": "static"}).json()["id"]
    added = write_api.post(f"/api/v1/segments/{sid}/members", {"contact_ids": ids[:3]})
    assert added.json() == {"changed": 3, "member_count": 3}
    removed = write_api._send("delete", f"/api/v1/segments/{sid}/members", {"contact_ids": [ids[0]]})
    assert removed.json() == {"changed": 1, "member_count": 2}
    refused = write_api.post(f"/api/v1/segments/{sid}/members", {"contact_ids": [10**12]})
    assert refused.status_code == 422 and "contact_ids" in refused.json()["error"]["fields"]
    assert write_api.post(f"/api/v1/segments/{sid}/refresh").status_code == 422
