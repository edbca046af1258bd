"""The segment pages: the list, the builder (rows → filter, row buttons, errors beside their
row, nothing saved on error), the live count, a segment's page with its export and chart,
static lists, freezing, and who may do what."""

from __future__ import annotations

import csv
import io

import pytest

from sarnakh.core.filters.compile import parse_filter
from sarnakh.segments import services
from sarnakh.segments.models import Segment, SegmentMembership, SegmentMembershipChange
from tests.segments.support import PRICING_TWICE, page_view, person

pytestmark = pytest.mark.django_db


def members(segment: Segment) -> set[int]:
    return set(SegmentMembership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def node_post(*nodes, **top) -> dict:
    """A builder POST: nodes as (token, parent, kind, {suffix: value}) in tree order."""
    data: dict = {"name": "", "description": "", **top, "node": []}
    for token, parent, kind, values in nodes:
        data["node"].append(token)
        data[f"{token}-parent"] = parent
        data[f"{token}-kind"] = kind
        for suffix, value in values.items():
            data[f"{token}-{suffix}"] = value
    return data


@pytest.fixture
def world(db):
    pricing_twice = person("reza@acme.example", stage="lead", first_name="Reza")
    pricing_once = person("sara@acme.example", stage="mql", first_name="Sara")
    customer = person("omid@globex.example", stage="customer", first_name="Omid")
    for cid in (pricing_twice, customer):
        page_view(cid, "/pricing", days_ago=2)
        page_view(cid, "/pricing/team", days_ago=5)
    page_view(pricing_once, "/pricing", days_ago=3)
    return {"twice": pricing_twice, "once": pricing_once, "customer": customer}


# ---------------------------------------------------------------- the list and the pages in both languages


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_segments_and_lists_when_each_page_is_read_then_it_shows_them_in_the_language(marketer_client, world, language):
    segment = services.segment_create(name="Pricing readers", filter=PRICING_TWICE)
    static = services.segment_create(name="VIP list", kind="static")
    services.list_add(segment_id=static.pk, contact_ids=[world["once"]])
    marketer_client.cookies["django_language"] = language

    listing = marketer_client.get("/segments/").content.decode()
    detail = marketer_client.get(f"/segments/{segment.pk}/").content.decode()
    list_page = marketer_client.get(f"/segments/{static.pk}/").content.decode()
    builder = marketer_client.get(f"/segments/{segment.pk}/edit/")
    new = marketer_client.get("/segments/new/")

    assert "Pricing readers" in listing and "VIP list" in listing
    assert ("Dynamic segments" in listing) == (language == "en")
    assert ("بخش‌های پویا" in listing) == (language == "fa")
    assert 'id="member-count">' + ("1" if language == "en" else "۱") in detail
    assert "reza@acme.example" in detail and "omid@globex.example" not in detail
    assert f'href="/segments/{segment.pk}/audiences/"' in detail
    assert "sara@acme.example" in list_page and 'id="add-contacts"' in list_page
    assert builder.status_code == 200 and new.status_code == 200
    assert 'id="live-count-value">' + ("1" if language == "en" else "۱") in builder.content.decode()


def test_given_the_main_nav_then_it_links_the_segments(marketer_client):
    assert 'href="/segments/"' in marketer_client.get("/").content.decode()


# ---------------------------------------------------------------- the builder: rows ↔ filter


def test_given_the_issue_example_built_from_rows_when_saved_then_the_segment_has_that_filter_and_its_members(marketer_client, world):
    data = node_post(
        ("n1", "n0", "cond", {"field": "stage", "op": "in", "values": ["lead", "mql"]}),
        ("n2", "n0", "cond", {"field": "page_views", "op": "at_least", "times": "2", "days": "14", "path": "/pricing*"}),
        ("n3", "n0", "group", {"match": "any", "not": "on"}),
        ("n4", "n3", "cond", {"field": "stage", "op": "eq", "value": "customer"}),
        name="MOFU pricing readers", action="save", **{"n0-match": "all"},
    )

    response = marketer_client.post("/segments/new/", data)

    segment = Segment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/segments/{segment.pk}/"
    assert segment.filter == {"match": "all", "conditions": [
        {"field": "stage", "op": "in", "value": ["lead", "mql"]},
        {"field": "page_views", "op": "at_least", "value": {"times": 2, "days": 14, "path": "/pricing*"}},
        {"match": "any", "not": True, "conditions": [{"field": "stage", "op": "eq", "value": "customer"}]},
    ]}
    assert members(segment) == {world["twice"]}


VALUE_TYPES = [
    # (row inputs, the condition the filter gets)
    ({"field": "first_name", "op": "contains", "value": "rez"}, {"field": "first_name", "op": "contains", "value": "rez"}),
    ({"field": "country", "op": "in", "value": "IR, DE،FR"}, {"field": "country", "op": "in", "value": ["IR", "DE", "FR"]}),
    ({"field": "fit", "op": "gte", "value": "۱۲"}, {"field": "fit", "op": "gte", "value": 12}),
    ({"field": "score", "op": "between", "value": "10", "value2": "20.5"}, {"field": "score", "op": "between", "value": [10, 20.5]}),
    ({"field": "created_at", "op": "gte", "value": "2026-01-01"}, {"field": "created_at", "op": "gte", "value": "2026-01-01"}),
    ({"field": "created_at", "op": "in_last_days", "value": "30"}, {"field": "created_at", "op": "in_last_days", "value": 30}),
    ({"field": "consent", "op": "ne", "value": "unsubscribed"}, {"field": "consent", "op": "ne", "value": "unsubscribed"}),
    ({"field": "grade", "op": "in", "values": ["A", "B"]}, {"field": "grade", "op": "in", "value": ["A", "B"]}),
    ({"field": "tags", "op": "in", "value": "vip, partner"}, {"field": "tags", "op": "in", "value": ["vip", "partner"]}),
    ({"field": "qualified", "op": "eq", "value": "true"}, {"field": "qualified", "op": "eq", "value": True}),
    ({"field": "email", "op": "is_set"}, {"field": "email", "op": "is_set"}),
    ({"field": "property", "key": "tier", "op": "eq", "value": "gold"}, {"field": "property:tier", "op": "eq", "value": "gold"}),
    ({"field": "company_property", "key": "size", "op": "gt", "value": "50"}, {"field": "company_property:size", "op": "gt", "value": 50}),
    ({"field": "stage_reached", "key": "mql", "op": "in_last_days", "value": "30"}, {"field": "stage_reached:mql", "op": "in_last_days", "value": 30}),
    ({"field": "custom_event", "op": "at_least", "name": "webinar_joined", "times": "1", "days": "30"},
     {"field": "custom_event", "op": "at_least", "value": {"name": "webinar_joined", "times": 1, "days": 30}}),
    ({"field": "form_submitted", "op": "fewer_than", "form": "contact-us", "times": "1"},
     {"field": "form_submitted", "op": "fewer_than", "value": {"form": "contact-us", "times": 1}}),
]


@pytest.mark.parametrize(("inputs", "condition"), VALUE_TYPES, ids=[c["field"] + ":" + c["op"] for _i, c in VALUE_TYPES])
def test_given_a_row_of_each_value_type_when_saved_then_the_filter_holds_the_typed_value_and_reads_back_the_same(
        marketer_client, inputs, condition):
    data = node_post(("n1", "n0", "group", {"match": "all"}), ("n2", "n1", "cond", inputs),
                     name="Typed", action="save", **{"n0-match": "any"})

    response = marketer_client.post("/segments/new/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    segment = Segment.objects.get()
    assert segment.filter == {"match": "any", "conditions": [{"match": "all", "conditions": [condition]}]}
    parse_filter(segment.filter)
    # and the edit page shows the row as it was typed (the round trip back to rows)
    again = marketer_client.get(f"/segments/{segment.pk}/edit/").content.decode()
    for suffix, value in inputs.items():
        if suffix == "values":
            for v in value:
                assert f'value="{v}" selected' in again
        elif suffix in ("field", "op") or inputs.get("field") == "stage_reached" and suffix == "key":
            assert f'value="{value}" selected' in again
        elif suffix == "value" and "in" == inputs["op"]:
            assert 'value="' + ", ".join(condition["value"]) + '"' in again
        elif suffix == "value" and inputs["field"] == "fit":
            assert 'value="12"' in again
        elif suffix == "value" and inputs["field"] in ("consent", "qualified"):
            assert f'value="{value}" selected' in again
        else:
            assert f'value="{value}"' in again


def test_given_nested_groups_when_read_back_and_posted_again_unchanged_then_the_filter_is_the_same():
    from sarnakh.segments.pages import builder

    tree = {"match": "any", "not": True, "conditions": [
        {"field": "country", "op": "eq", "value": "IR"},
        {"match": "all", "conditions": [
            {"field": "grade", "op": "gte", "value": "B"},
            {"match": "any", "not": True, "conditions": [{"field": "tags", "op": "in", "value": ["vip"]}]},
        ]},
    ]}
    root = builder.rows_from_filter(tree)
    post: dict[str, list[str]] = {"node": [], "n0-match": [root.match], "n0-not": ["on"] if root.negate else []}

    def walk(group):
        for child in group.children:
            post["node"].append(child.token)
            post[f"{child.token}-parent"] = [group.token]
            if child.is_group:
                post[f"{child.token}-kind"] = ["group"]
                post[f"{child.token}-match"] = [child.match]
                if child.negate:
                    post[f"{child.token}-not"] = ["on"]
                walk(child)
            else:
                post[f"{child.token}-kind"] = ["cond"]
                for suffix in ("field", "key", "op", "value"):
                    post[f"{child.token}-{suffix}"] = [getattr(child, suffix)]
    walk(root)

    assert builder.filter_from_rows(builder.rows_from_post(post)) == tree


def test_given_row_buttons_when_pressed_then_rows_are_added_and_removed_and_nothing_is_saved(marketer_client):
    base = node_post(("n1", "n0", "cond", {"field": "country", "op": "eq", "value": "IR"}), name="x")

    added = marketer_client.post("/segments/new/", {**base, "action": "add_group:n0"}).content.decode()
    removed = marketer_client.post("/segments/new/", {**base, "action": "remove:n1"}).content.decode()
    condition = marketer_client.post("/segments/new/", {**base, "action": "add_cond:n0"}).content.decode()

    assert 'data-node="n2"' in added and 'name="n2-kind" value="group"' in added and 'name="n3-parent" value="n2"' in added
    assert 'data-node="n1"' not in removed
    assert 'name="n2-kind" value="cond"' in condition
    assert Segment.objects.count() == 0


def test_given_a_field_changed_when_the_rows_are_updated_then_the_operator_is_one_of_the_new_fields(marketer_client):
    data = node_post(("n1", "n0", "cond", {"field": "page_views", "op": "contains", "value": "x"}), action="refresh")

    html = marketer_client.post("/segments/new/", data).content.decode()

    assert '<option value="at_least" selected>' in html and 'name="n1-times"' in html and 'name="n1-path"' in html


def test_given_groups_nested_to_the_bound_then_no_deeper_group_is_offered_or_accepted(marketer_client):
    nodes = [(f"n{i}", f"n{i - 1}", "group", {"match": "all"}) for i in range(1, 12)]

    html = marketer_client.post("/segments/new/", node_post(*nodes, action="refresh")).content.decode()

    assert 'data-node="n9"' in html and 'data-node="n10"' not in html  # the root n0 is level 1 of 10
    assert 'value="add_group:n9"' not in html and 'value="add_group:n8"' in html


# ---------------------------------------------------------------- errors beside their row, nothing saved


def test_given_bad_values_when_saved_then_each_error_is_beside_its_row_and_nothing_is_saved(marketer_client, world):
    data = node_post(
        ("n1", "n0", "cond", {"field": "country", "op": "eq", "value": "IR"}),
        ("n2", "n0", "group", {"match": "any"}),
        ("n3", "n2", "cond", {"field": "page_views", "op": "at_least", "times": "2", "days": "many", "path": "/pricing"}),
        name="Broken", action="save",
    )

    response = marketer_client.post("/segments/new/", data)

    html = response.content.decode()
    assert response.status_code == 422
    assert Segment.objects.count() == 0 and SegmentMembershipChange.objects.count() == 0
    row = html[html.index('data-node="n3"'):]
    row = row[: row.index('data-remove')]
    days_input = row[row.index('name="n3-days"'):]
    assert "Enter a whole number" in days_input[: days_input.index("</label>")]
    assert 'value="many"' in row  # kept as typed
    assert "Nothing was saved" in html


def test_given_an_unknown_stage_when_saved_then_the_error_is_on_its_row(marketer_client):
    data = node_post(("n1", "n0", "cond", {"field": "stage", "op": "eq", "value": "martian"}), name="x", action="save")

    response = marketer_client.post("/segments/new/", data)

    row = response.content.decode().split('data-node="n1"')[1]
    assert response.status_code == 422 and "Unknown lifecycle stage" in row and Segment.objects.count() == 0


def test_given_no_name_when_saved_then_the_name_is_marked_and_nothing_is_saved(marketer_client):
    data = node_post(("n1", "n0", "cond", {"field": "country", "op": "eq", "value": "IR"}), action="save")

    response = marketer_client.post("/segments/new/", data)

    assert response.status_code == 422 and "Give the segment a name." in response.content.decode()
    assert Segment.objects.count() == 0


def test_given_an_edit_with_a_bad_row_then_the_stored_filter_stays(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)
    data = node_post(("n1", "n0", "cond", {"field": "fit", "op": "gt", "value": "lots"}), name="Pricing", action="save")

    response = marketer_client.post(f"/segments/{segment.pk}/edit/", data)

    segment.refresh_from_db()
    assert response.status_code == 422 and "Enter a number." in response.content.decode().split('data-node="n1"')[1]
    assert segment.filter == PRICING_TWICE and members(segment) == {world["twice"]}


# ---------------------------------------------------------------- live count


def test_given_rows_when_the_count_is_asked_then_it_counts_the_matching_contacts_now_with_a_sample(marketer_client, world):
    data = node_post(("n1", "n0", "cond", {"field": "page_views", "op": "at_least", "times": "1", "days": "14", "path": "/pricing*"}))

    html = marketer_client.post("/segments/count/", data).content.decode()

    assert 'id="live-count-value">3<' in html
    for email in ("reza@acme.example", "sara@acme.example", "omid@globex.example"):
        assert email in html
    assert f'href="/contacts/{world["twice"]}/"' in html


def test_given_rows_with_an_error_when_the_count_is_asked_then_it_says_so(marketer_client, world):
    data = node_post(("n1", "n0", "cond", {"field": "fit", "op": "gt", "value": "x"}))

    html = marketer_client.post("/segments/count/", data).content.decode()

    assert "Complete the conditions" in html and "live-count-value" not in html


# ---------------------------------------------------------------- a segment's page: export, refresh, chart, delete


def test_given_a_segment_when_exported_then_the_csv_lists_its_members(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    response = marketer_client.get(f"/segments/{segment.pk}/members.csv")

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == ["contact_id", "email", "first_name", "last_name", "entered_at", "reason"]
    assert [r[:3] for r in rows[1:]] == [[str(world["twice"]), "reza@acme.example", "Reza"]]
    assert rows[1][5] == "created"


def test_given_a_segment_whose_people_changed_when_refreshed_then_it_says_who_joined(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE, refresh=False)

    response = marketer_client.post(f"/segments/{segment.pk}/refresh/", follow=True)

    assert "Refreshed: 1 joined, 0 left." in response.content.decode() and members(segment) == {world["twice"]}


def test_given_joins_and_leaves_then_the_chart_has_a_bar_per_day_ending_at_today_s_count(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    html30 = marketer_client.get(f"/segments/{segment.pk}/").content.decode()
    html90 = marketer_client.get(f"/segments/{segment.pk}/?days=90").content.decode()

    assert html30.count('class="day-bar"') == 30 and html90.count('class="day-bar"') == 90
    bars = html30.split('class="day-bar" data-count="')
    assert bars[-1].startswith("1") and bars[-2].startswith("0")  # joined today
    assert "Recent joins and leaves" in html30 and "the segment was created" in html30


def test_given_a_segment_when_deleted_through_its_page_then_it_is_gone(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    assert marketer_client.get(f"/segments/{segment.pk}/delete/").status_code == 200
    response = marketer_client.post(f"/segments/{segment.pk}/delete/")

    assert response.status_code == 302 and not Segment.objects.exists()


def test_given_many_members_then_the_members_list_pages_by_cursor(marketer_client, db):
    ids = [person(f"p{i}@example.com") for i in range(55)]
    static = services.segment_create(name="All", kind="static")
    services.list_add(segment_id=static.pk, contact_ids=ids)

    first = marketer_client.get(f"/segments/{static.pk}/").content.decode()
    second = marketer_client.get(f"/segments/{static.pk}/?after={ids[49]}").content.decode()

    assert first.count("data-contact=") == 50 and f'?after={ids[49]}&' in first
    assert second.count("data-contact=") == 5 and "members-next" not in second


# ---------------------------------------------------------------- static lists and freezing


def test_given_a_new_static_list_when_contacts_are_added_by_email_and_id_and_one_removed_then_the_list_follows(marketer_client, world):
    response = marketer_client.post("/segments/new-list/", {"name": "Event guests", "description": ""})
    static = Segment.objects.get(kind="static")
    assert response["Location"] == f"/segments/{static.pk}/"

    added = marketer_client.post(f"/segments/{static.pk}/members/",
                                 {"action": "add", "contacts": f"REZA@acme.example, {world['once']}\nnobody@x.example"}, follow=True)
    assert members(static) == {world["twice"], world["once"]}
    assert "2 contacts added." in added.content.decode() and "nobody@x.example" in added.content.decode()

    marketer_client.post(f"/segments/{static.pk}/members/", {"action": "remove", "ids": [str(world["once"])]})
    assert members(static) == {world["twice"]}
    assert list(SegmentMembershipChange.objects.filter(segment=static).values_list("change", "reason")) == [
        ("entered", "added by hand"), ("entered", "added by hand"), ("left", "removed by hand")]


def test_given_a_dynamic_segment_when_frozen_from_its_page_then_a_static_list_holds_its_members(marketer_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)

    response = marketer_client.post(f"/segments/{segment.pk}/freeze/", {"name": "Pricing, March"})

    frozen = Segment.objects.get(kind="static")
    assert response["Location"] == f"/segments/{frozen.pk}/"
    assert (frozen.name, frozen.member_count, members(frozen)) == ("Pricing, March", 1, {world["twice"]})


# ---------------------------------------------------------------- permissions


def test_given_a_sales_user_then_segments_are_read_but_not_changed(sales_client, world):
    segment = services.segment_create(name="Pricing", filter=PRICING_TWICE)
    static = services.segment_create(name="List", kind="static")

    assert sales_client.get("/segments/").status_code == 200
    page = sales_client.get(f"/segments/{segment.pk}/").content.decode()
    assert sales_client.get(f"/segments/{segment.pk}/members.csv").status_code == 200
    assert "edit-segment" not in page and "freeze-segment" not in page and "segment-audiences" not in page and "new-segment" not in sales_client.get("/segments/").content.decode()
    for url, data in (
        ("/segments/new/", node_post(name="x", action="save")), (f"/segments/{segment.pk}/edit/", {}),
        (f"/segments/{segment.pk}/refresh/", {}), (f"/segments/{segment.pk}/delete/", {}),
        (f"/segments/{segment.pk}/freeze/", {"name": "x"}), ("/segments/new-list/", {"name": "x"}),
        (f"/segments/{static.pk}/members/", {"contacts": str(world["twice"])}), ("/segments/count/", {}),
    ):
        assert sales_client.post(url, data).status_code == 403, url
    assert Segment.objects.count() == 2 and not members(static)


def test_given_no_login_then_the_pages_send_to_the_login(client):
    assert client.get("/segments/")["Location"].startswith("/login/")


def test_given_a_static_list_when_edited_then_its_name_changes_and_a_blank_name_is_refused(marketer_client, world):
    static = services.segment_create(name="Guests", kind="static")

    page = marketer_client.get(f"/segments/{static.pk}/edit/").content.decode()
    refused = marketer_client.post(f"/segments/{static.pk}/edit/", {"name": " ", "description": ""})
    saved = marketer_client.post(f"/segments/{static.pk}/edit/", {"name": "Guests 2026", "description": "Booth visitors"})

    static.refresh_from_db()
    assert 'id="list-name"' in page and 'value="Guests"' in page
    assert refused.status_code == 422 and "Give the segment a name." in refused.content.decode()
    assert saved.status_code == 302 and (static.name, static.description) == ("Guests 2026", "Booth visitors")


def test_given_the_service_refuses_a_filter_by_path_then_the_message_is_on_that_row(marketer_client, world, monkeypatch):
    from sarnakh.core.errors import ValidationFailed

    def refuse(**kwargs):
        raise ValidationFailed("Some fields are not valid.", fields={"filter.conditions[0].value": ["That segment contains this one."]})
    monkeypatch.setattr(services, "segment_create", refuse)
    data = node_post(("n1", "n0", "cond", {"field": "country", "op": "eq", "value": "IR"}), name="x", action="save")

    response = marketer_client.post("/segments/new/", data)

    assert response.status_code == 422 and "That segment contains this one." in response.content.decode().split('data-node="n1"')[1]
