"""/api/v1/contacts: the issue's "done when" cases, CRUD, upsert, stages, lists, timeline,
notes, merge, bulk, custom properties and the documentation."""

import datetime as dt

import pytest
from django.test import override_settings

from sarnakh.contacts.models import Activity, Contact, StageChange
from sarnakh.core import clock

pytestmark = pytest.mark.django_db


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_mixed_case_email_when_upserting_lower_case_with_persian_phone_then_one_contact(write_api):
    created = write_api.post("/api/v1/contacts", {"email": "Ali.Rezaei@Example.COM", "first_name": "علي"})
    assert created.status_code == 201, created.content
    upserted = write_api.put("/api/v1/contacts/upsert", {"email": "ali.rezaei@example.com", "phone": "۰۹۱۲ ۳۴۵ ۶۷۸۹"})
    assert upserted.status_code == 200, upserted.content
    body = upserted.json()
    assert body["created"] is False and body["matched_on"] == "email"
    assert body["contact"]["phone"] == "+989123456789"
    assert Contact.objects.count() == 1
    found = write_api.get("/api/v1/contacts", {"q": "علی"}).json()
    assert [c["id"] for c in found["items"]] == [created.json()["contact"]["id"]]


def test_given_contact_when_moving_backward_without_reason_then_422_and_nothing_changes(write_api):
    contact_id = write_api.post("/api/v1/contacts", {"email": "a@example.com", "stage": "sql"}).json()["contact"]["id"]
    refused = write_api.post(f"/api/v1/contacts/{contact_id}/stage", {"stage": "lead"})
    assert refused.status_code == 422
    assert refused.json()["error"]["fields"]["reason"]
    assert Contact.objects.get(pk=contact_id).stage_id == "sql"
    moved = write_api.post(f"/api/v1/contacts/{contact_id}/stage", {"stage": "lead", "reason": "no budget this year"})
    assert moved.status_code == 200
    assert StageChange.objects.filter(contact_id=contact_id, to_stage="lead", is_backward=True).count() == 1
    assert Activity.objects.filter(contact_id=contact_id, kind="stage_changed").count() == 2


def test_without_key_401_and_read_key_cannot_write(anon_api, read_api):
    assert anon_api.get("/api/v1/contacts").status_code == 401
    response = read_api.post("/api/v1/contacts", {"email": "x@example.com"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


# --- create, get, update, delete ---

FIELDS = {
    "id", "first_name", "last_name", "full_name", "email", "phone", "company", "job_title", "country", "city", "language",
    "time_zone", "stage", "lead_status", "owner", "source_type", "channel", "utm_source", "utm_medium", "utm_campaign",
    "utm_term", "utm_content", "referrer", "landing_page", "consent", "consent_at", "consent_method", "tags", "properties",
    "created_at", "updated_at",
}


def create(api, **body):
    response = api.post("/api/v1/contacts", body)
    assert response.status_code in (200, 201), response.content
    return response.json()["contact"]


def test_given_full_contact_when_creating_then_every_field_comes_back_snake_case(write_api, admin_user):
    body = {
        "first_name": "Sara", "last_name": "Ahmadi", "email": "Sara@Example.com", "phone": "+49 30 1234567",
        "company": "Example GmbH", "job_title": "Head of Marketing", "country": "de", "city": "Berlin", "language": "de",
        "time_zone": "Europe/Berlin", "stage": "mql", "lead_status": "connected", "owner": admin_user.pk,
        "source_type": "outbound", "channel": "event", "utm_source": "expo", "utm_medium": "booth", "utm_campaign": "cebit",
        "utm_term": "crm", "utm_content": "flyer", "referrer": "https://expo.example/", "landing_page": "https://example.com/hi",
        "consent": "subscribed", "consent_method": "paper form", "tags": ["expo", "vip", "expo"],
    }
    response = write_api.post("/api/v1/contacts", body)
    assert response.status_code == 201
    answer = response.json()
    assert answer["created"] is True and answer["matched_on"] is None and answer["ignored_fields"] == []
    contact = answer["contact"]
    assert set(contact) == FIELDS
    assert contact["email"] == "sara@example.com" and contact["phone"] == "+49301234567"
    assert contact["company"]["name"] == "Example GmbH" and contact["company"]["domain"] == "example.com"
    assert contact["owner"] == {"id": admin_user.pk, "username": admin_user.username, "name": admin_user.username}
    assert contact["country"] == "DE" and contact["tags"] == ["expo", "vip"]
    assert contact["consent_at"] is not None
    assert write_api.get(f"/api/v1/contacts/{contact['id']}").json() == contact


def test_given_contact_when_patching_then_only_given_fields_change(write_api):
    contact = create(write_api, email="a@example.com", first_name="Ann", city="Tabriz", tags=["x", "y"])
    response = write_api.patch(f"/api/v1/contacts/{contact['id']}", {"first_name": "Anna", "tags": ["y"], "city": None})
    assert response.status_code == 200
    patched = response.json()
    assert (patched["first_name"], patched["city"], patched["tags"], patched["email"]) == ("Anna", "", ["y"], "a@example.com")


def test_given_email_of_another_contact_when_patching_then_409(write_api):
    create(write_api, email="a@example.com")
    other = create(write_api, email="b@example.com")
    response = write_api.patch(f"/api/v1/contacts/{other['id']}", {"email": "a@example.com"})
    assert response.status_code == 409
    assert response.json()["error"]["fields"]["email"]


def test_given_contact_when_deleting_then_204_and_gone(write_api):
    contact = create(write_api, email="a@example.com")
    assert write_api.delete(f"/api/v1/contacts/{contact['id']}").status_code == 204
    assert write_api.get(f"/api/v1/contacts/{contact['id']}").status_code == 404
    assert Contact.objects.count() == 0


# --- upsert ---


def test_given_upsert_without_email_or_phone_then_422(write_api):
    response = write_api.put("/api/v1/contacts/upsert", {"first_name": "Nobody"})
    assert response.status_code == 422 and "email" in response.json()["error"]["fields"]


def test_given_new_person_when_upserting_then_201_created(write_api):
    response = write_api.put("/api/v1/contacts/upsert", {"phone": "+49 30 1234567", "first_name": "P"})
    assert response.status_code == 201 and response.json()["created"] is True


def test_given_existing_lead_when_upserting_then_first_touch_kept_and_ignored_fields_reported(write_api):
    create(write_api, email="a@example.com", channel="cold_call", source_type="outbound")
    response = write_api.put("/api/v1/contacts/upsert", {"email": "a@example.com", "channel": "web_form", "source_type": "inbound", "stage": "subscriber"})
    assert response.status_code == 200
    body = response.json()
    assert (body["contact"]["channel"], body["contact"]["source_type"], body["contact"]["stage"]) == ("cold_call", "outbound", "lead")
    assert sorted(body["ignored_fields"]) == ["channel", "source_type", "stage"]


# --- stage changes ---


@pytest.mark.parametrize("target", ["recycled", "disqualified", "cold"])
def test_given_side_state_when_moving_without_reason_then_422_with_reason_then_200(write_api, target):
    contact = create(write_api, email="a@example.com", stage="mql")
    refused = write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": target})
    assert refused.status_code == 422 and "reason" in refused.json()["error"]["fields"]
    assert StageChange.objects.filter(to_stage=target).count() == 0
    moved = write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": target, "reason": "went quiet"})
    assert moved.status_code == 200
    assert moved.json()["to_stage"] == target and moved.json()["reason"] == "went quiet" and moved.json()["is_backward"] is True
    history = write_api.get(f"/api/v1/contacts/{contact['id']}/stages").json()
    assert [(h["from_stage"], h["to_stage"]) for h in history] == [("mql", target), ("", "mql")]


def test_given_forward_move_then_history_and_timeline_show_it(write_api):
    contact = create(write_api, email="a@example.com")
    assert write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": "sql"}).status_code == 200
    timeline = write_api.get(f"/api/v1/contacts/{contact['id']}/timeline").json()["items"]
    assert timeline[0]["kind"] == "stage_changed" and timeline[0]["data"]["to"] == "sql"
    assert write_api.get(f"/api/v1/contacts/{contact['id']}").json()["stage"] == "sql"


def test_given_stage_change_with_unknown_field_then_422(write_api):
    contact = create(write_api, email="a@example.com")
    response = write_api.post(f"/api/v1/contacts/{contact['id']}/stage", {"stage": "sql", "why": "x"})
    assert response.status_code == 422 and "why" in response.json()["error"]["fields"]


# --- list, filters, pagination ---


def test_given_many_contacts_when_paging_then_every_contact_exactly_once(write_api):
    ids = {create(write_api, email=f"p{i}@example.com")["id"] for i in range(23)}
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = write_api.get("/api/v1/contacts", params).json()
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 5
    assert sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    assert seen == sorted(seen, reverse=True)


def test_given_filters_when_listing_then_total_counts_every_match_on_every_page(write_api):
    for i in range(7):
        create(write_api, email=f"p{i}@example.com", channel="web_form" if i < 5 else "cold_call")
    first = write_api.get("/api/v1/contacts", {"limit": 2, "channel": "web_form"}).json()
    second = write_api.get("/api/v1/contacts", {"limit": 2, "channel": "web_form", "cursor": first["next_cursor"]}).json()
    assert (len(first["items"]), first["total"]) == (2, 5)
    assert second["total"] == 5
    assert write_api.get("/api/v1/contacts", {"q": "nobody-matches"}).json()["total"] == 0
    assert write_api.get("/api/v1/contacts").json()["total"] == 7


def test_given_exact_multiple_of_limit_then_last_page_has_no_cursor(write_api):
    for i in range(4):
        create(write_api, email=f"p{i}@example.com")
    first = write_api.get("/api/v1/contacts", {"limit": 2}).json()
    second = write_api.get("/api/v1/contacts", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["items"]) == 2 and second["next_cursor"] is None


@override_settings(SARNAKH_DEFAULT_REGION="IR")
def test_given_filters_when_listing_then_each_narrows(write_api, admin_user):
    ann = create(write_api, email="ann@example.com", phone="09121111111", stage="mql", owner=admin_user.pk, tags=["vip"], first_name="علی")
    bob = create(write_api, email="bob@example.com", phone="09122222222", stage="lead", source_type="outbound", channel="cold_call")

    def ids(**params):
        response = write_api.get("/api/v1/contacts", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["items"]]

    assert ids(email="ANN@example.com") == [ann["id"]]
    assert ids(email="not an email") == []
    assert ids(phone="۰۹۱۲ ۲۲۲ ۲۲۲۲") == [bob["id"]]
    assert ids(stage="mql") == [ann["id"]]
    assert ids(owner=admin_user.pk) == [ann["id"]]
    assert ids(tag="vip") == [ann["id"]]
    assert ids(source_type="outbound") == [bob["id"]]
    assert ids(channel="cold_call") == [bob["id"]]
    assert ids(q="علي") == [ann["id"]]
    assert ids(q="bob") == [bob["id"]]
    assert ids(q="vip", stage="lead") == []


def test_given_updated_since_when_listing_then_only_later_changes(write_api):
    old = create(write_api, email="old@example.com")
    Contact.objects.filter(pk=old["id"]).update(updated_at=clock.now() - dt.timedelta(days=10))
    new = create(write_api, email="new@example.com")
    since = (clock.now() - dt.timedelta(days=1)).isoformat()
    assert [c["id"] for c in write_api.get("/api/v1/contacts", {"updated_since": since}).json()["items"]] == [new["id"]]
    day = (clock.now() - dt.timedelta(days=1)).date().isoformat()
    assert [c["id"] for c in write_api.get("/api/v1/contacts", {"updated_since": day}).json()["items"]] == [new["id"]]


@pytest.mark.parametrize("limit", [1, 200])
def test_given_limit_bounds_when_listing_then_accepted(read_api, limit):
    assert read_api.get("/api/v1/contacts", {"limit": limit}).status_code == 200


def test_given_page_size_when_listing_then_query_count_does_not_grow(write_api, admin_user, django_assert_max_num_queries):
    for i in range(30):
        create(write_api, email=f"q{i}@example.com", company=f"Co {i % 3}", tags=["a", "b"], owner=admin_user.pk)
    with django_assert_max_num_queries(6):
        small = write_api.get("/api/v1/contacts", {"limit": 2})
    with django_assert_max_num_queries(6):
        large = write_api.get("/api/v1/contacts", {"limit": 30})
    assert len(small.json()["items"]) == 2 and len(large.json()["items"]) == 30


# --- timeline ---


def test_given_long_timeline_when_paging_then_newest_first_and_complete(write_api):
    contact = create(write_api, email="a@example.com")
    for i in range(7):
        assert write_api.post(f"/api/v1/contacts/{contact['id']}/notes", {"body": f"note {i}"}).status_code == 201
    items, cursor = [], None
    while True:
        page = write_api.get(f"/api/v1/contacts/{contact['id']}/timeline", {"limit": 3, **({"cursor": cursor} if cursor else {})}).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(items) == 9 and len({i["id"] for i in items}) == 9
    keys = [(i["occurred_at"], i["id"]) for i in items]
    assert keys == sorted(keys, reverse=True)
    assert items[0]["data"]["body"] == "note 6"
    assert [i["kind"] for i in items[-2:]] == ["stage_changed", "created"]


def test_given_contact_change_then_timeline_row_in_same_answer(write_api):
    contact = create(write_api, email="a@example.com")
    write_api.patch(f"/api/v1/contacts/{contact['id']}", {"job_title": "CEO"})
    latest = write_api.get(f"/api/v1/contacts/{contact['id']}/timeline", {"limit": 1}).json()["items"][0]
    assert latest["kind"] == "updated" and latest["data"]["changes"] == {"job_title": ["", "CEO"]}


# --- notes ---


def test_given_notes_when_listing_then_newest_first_with_author(write_api):
    contact = create(write_api, email="a@example.com")
    write_api.post(f"/api/v1/contacts/{contact['id']}/notes", {"body": "first"})
    write_api.post(f"/api/v1/contacts/{contact['id']}/notes", {"body": "second"})
    notes = write_api.get(f"/api/v1/contacts/{contact['id']}/notes").json()
    assert [n["body"] for n in notes] == ["second", "first"]
    assert set(notes[0]) == {"id", "body", "author", "created_at"}
    assert write_api.post(f"/api/v1/contacts/{contact['id']}/notes", {"body": "  "}).status_code == 422


# --- merge ---


def test_given_merge_then_loser_id_redirects_to_survivor(write_api):
    survivor = create(write_api, email="a@example.com", first_name="Ann")
    loser = create(write_api, email="b@example.com", job_title="CTO")
    response = write_api.post("/api/v1/contacts/merge", {"survivor_id": survivor["id"], "loser_id": loser["id"], "choices": {"email": "survivor"}})
    assert response.status_code == 200
    merged = response.json()
    assert (merged["id"], merged["email"], merged["job_title"]) == (survivor["id"], "a@example.com", "CTO")
    for suffix in ["", "/timeline", "/stages", "/notes"]:
        redirect = write_api.get(f"/api/v1/contacts/{loser['id']}{suffix}", {"limit": 5} if suffix == "/timeline" else None)
        assert redirect.status_code == 308, suffix
        assert redirect["Location"].startswith(f"/api/v1/contacts/{survivor['id']}{suffix}")
    assert write_api.get(f"/api/v1/contacts/{loser['id']}/timeline", {"limit": 5})["Location"].endswith("?limit=5")
    assert write_api.get(f"/api/v1/contacts/{loser['id']}", follow=True).json()["id"] == survivor["id"]
    timeline = write_api.get(f"/api/v1/contacts/{survivor['id']}/timeline").json()["items"]
    assert timeline[0]["kind"] == "merged" and timeline[0]["data"]["merged_id"] == loser["id"]
    assert {i["kind"] for i in timeline} >= {"created", "merged", "stage_changed"}
    assert sum(1 for i in timeline if i["kind"] == "created") == 2


def test_given_merged_contact_when_merging_again_then_404(write_api):
    a, b, c = (create(write_api, email=f"{n}@example.com") for n in "abc")
    assert write_api.post("/api/v1/contacts/merge", {"survivor_id": a["id"], "loser_id": b["id"]}).status_code == 200
    assert write_api.post("/api/v1/contacts/merge", {"survivor_id": c["id"], "loser_id": b["id"]}).status_code == 404


def test_given_merge_then_loser_email_can_move_to_survivor_over_the_api(write_api):
    survivor = create(write_api, email="a@example.com")
    loser = create(write_api, email="b@example.com")
    write_api.post("/api/v1/contacts/merge", {"survivor_id": survivor["id"], "loser_id": loser["id"], "choices": {"email": "survivor"}})
    response = write_api.patch(f"/api/v1/contacts/{survivor['id']}", {"email": "b@example.com"})
    assert response.status_code == 200 and response.json()["email"] == "b@example.com"
    assert write_api.put("/api/v1/contacts/upsert", {"email": "b@example.com"}).json()["contact"]["id"] == survivor["id"]


@pytest.mark.parametrize("choices", [{"email": "both"}, {"secret": "loser"}])
def test_given_bad_merge_choices_then_422(write_api, choices):
    a, b = create(write_api, email="a@example.com"), create(write_api, email="b@example.com")
    response = write_api.post("/api/v1/contacts/merge", {"survivor_id": a["id"], "loser_id": b["id"], "choices": choices})
    assert response.status_code == 422
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_given_merged_id_when_writing_then_404(write_api):
    a, b = create(write_api, email="a@example.com"), create(write_api, email="b@example.com")
    write_api.post("/api/v1/contacts/merge", {"survivor_id": a["id"], "loser_id": b["id"]})
    assert write_api.patch(f"/api/v1/contacts/{b['id']}", {"first_name": "x"}).status_code == 404
    assert write_api.post(f"/api/v1/contacts/{b['id']}/stage", {"stage": "sql"}).status_code == 404
    assert write_api.delete(f"/api/v1/contacts/{b['id']}").status_code == 404


# --- bulk ---


def test_given_bulk_actions_then_applied(write_api, admin_user):
    ids = [create(write_api, email=f"b{i}@example.com", stage=stage)["id"] for i, stage in enumerate(["lead", "sql", "mql"])]
    owner = write_api.post("/api/v1/contacts/bulk", {"ids": ids, "action": "set_owner", "owner": admin_user.pk})
    assert owner.json() == {"changed": 3, "skipped": 0}
    tag = write_api.post("/api/v1/contacts/bulk", {"ids": ids, "action": "add_tag", "tag": "expo"})
    assert tag.json()["changed"] == 3
    stage = write_api.post("/api/v1/contacts/bulk", {"ids": ids, "action": "change_stage", "stage": "mql"})
    assert stage.json() == {"changed": 1, "skipped": 2}
    assert sorted(Contact.objects.values_list("stage", flat=True)) == ["mql", "mql", "sql"]
    assert write_api.post("/api/v1/contacts/bulk", {"ids": ids, "action": "explode"}).status_code == 422
    assert write_api.post("/api/v1/contacts/bulk", {"ids": [], "action": "add_tag", "tag": "x"}).status_code == 422
    assert write_api.post("/api/v1/contacts/bulk", {"ids": "1,2", "action": "add_tag", "tag": "x"}).status_code == 422


# --- custom properties through the API ---

PROPERTY_CASES = [
    ("text", {}, "hello", "hello", {"a": 1}),
    ("number", {}, "1,500", 1500, "lots"),
    ("date", {}, "2024-05-01", "2024-05-01", "2024-02-31"),
    ("boolean", {}, "yes", True, "perhaps"),
    ("choice", {"choices": ["small", "large"]}, "large", "large", "medium"),
    ("multi_choice", {"choices": ["crm", "ads"]}, ["ads", "crm"], ["ads", "crm"], ["ads", "tv"]),
]


@pytest.mark.parametrize("type_,extra,good,stored,bad", PROPERTY_CASES)
def test_given_property_of_each_type_when_writing_contact_then_validated(write_api, type_, extra, good, stored, bad):
    defined = write_api.post("/api/v1/properties", {"object_type": "contact", "key": "p", "label": "P", "type": type_, **extra})
    assert defined.status_code == 201, defined.content
    contact = create(write_api, email="a@example.com", properties={"p": good})
    assert contact["properties"] == {"p": stored}
    refused = write_api.patch(f"/api/v1/contacts/{contact['id']}", {"properties": {"p": bad}})
    assert refused.status_code == 422
    assert list(refused.json()["error"]["fields"]) == ["properties.p"]
    assert Contact.objects.get().properties == {"p": stored}
    removed = write_api.patch(f"/api/v1/contacts/{contact['id']}", {"properties": {"p": None}})
    assert removed.status_code == 200 and removed.json()["properties"] == {}


@pytest.mark.parametrize("type_,extra,good,stored,bad", PROPERTY_CASES)
def test_given_property_of_each_type_when_writing_company_then_validated(write_api, type_, extra, good, stored, bad):
    write_api.post("/api/v1/properties", {"object_type": "company", "key": "p", "label": "P", "type": type_, **extra})
    company = write_api.post("/api/v1/companies", {"name": "Acme", "properties": {"p": good}})
    assert company.status_code == 201 and company.json()["properties"] == {"p": stored}
    refused = write_api.patch(f"/api/v1/companies/{company.json()['id']}", {"properties": {"p": bad}})
    assert refused.status_code == 422 and list(refused.json()["error"]["fields"]) == ["properties.p"]


def test_given_contact_property_key_when_used_on_company_then_unknown(write_api):
    write_api.post("/api/v1/properties", {"object_type": "contact", "key": "budget", "label": "Budget", "type": "number"})
    response = write_api.post("/api/v1/companies", {"name": "Acme", "properties": {"budget": 5}})
    assert response.status_code == 422 and "properties.budget" in response.json()["error"]["fields"]


# --- documentation ---


def test_given_openapi_then_lists_the_endpoints(anon_api):
    response = anon_api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/v1/contacts", "/api/v1/contacts/upsert", "/api/v1/contacts/{contact_id}", "/api/v1/contacts/{contact_id}/timeline",
        "/api/v1/contacts/{contact_id}/stage", "/api/v1/contacts/merge", "/api/v1/contacts/{contact_id}/notes",
        "/api/v1/companies", "/api/v1/companies/{company_id}", "/api/v1/companies/{company_id}/contacts",
        "/api/v1/stages", "/api/v1/properties",
    ]:
        assert path in paths, path
    assert "put" in paths["/api/v1/contacts/upsert"]
    assert response.json()["components"]["securitySchemes"]


def test_given_docs_page_then_200(anon_api):
    assert anon_api.get("/api/v1/docs").status_code == 200
