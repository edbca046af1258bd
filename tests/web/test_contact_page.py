"""Contact page: inline edits, stage changes with history, timeline, notes, merge, delete, XSS."""

from __future__ import annotations

import re

import pytest

from sarnakh.contacts import settings_services
from sarnakh.contacts.merge import contact_merge
from sarnakh.contacts.models import Contact, Note, StageChange
from sarnakh.contacts.services import note_add
from sarnakh.core.actor import Actor
from tests.web.conftest import htmx_headers

pytestmark = pytest.mark.django_db

XSS = "<script>alert(1)</script>"


def test_given_contact_when_opening_page_then_properties_stage_history_and_timeline_shown(admin_client, make_contact):
    contact = make_contact(first_name="Mina", email="mina@example.com", job_title="CTO")
    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Mina" in page and "mina@example.com" in page and "CTO" in page
    assert 'id="stage-history"' in page
    assert "Contact created" in page


def test_given_contact_named_with_script_when_rendered_then_escaped(admin_client, make_contact):
    contact = make_contact(first_name=XSS, email="x@example.com", job_title=XSS)
    note_add(body=XSS, contact_id=contact.pk, actor=Actor.system())
    for path in (f"/contacts/{contact.pk}/", "/contacts/", "/", f"/contacts/{contact.pk}/merge/?q=x"):
        body = admin_client.get(path).content.decode()
        assert XSS not in body, path
    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_given_edit_link_when_clicked_with_htmx_then_small_form_returned(admin_client, make_contact):
    contact = make_contact(first_name="Mina", email="mina@example.com")
    response = admin_client.get(f"/contacts/{contact.pk}/fields/email/?edit=1", **htmx_headers())
    body = response.content.decode()
    assert response.status_code == 200 and "<form" in body and 'value="mina@example.com"' in body and "<html" not in body


def test_given_inline_form_when_saved_with_htmx_then_field_rerendered_and_timeline_told(admin_client, make_contact):
    contact = make_contact(first_name="Mina", email="mina@example.com")
    response = admin_client.post(f"/contacts/{contact.pk}/fields/job_title/", {"value": "Head of Sales"}, **htmx_headers())
    assert response.status_code == 200
    assert "Head of Sales" in response.content.decode() and "<form" not in response.content.decode()
    assert "contactChanged" in response["HX-Trigger"]
    contact.refresh_from_db()
    assert contact.job_title == "Head of Sales"
    timeline = admin_client.get(f"/contacts/{contact.pk}/timeline/", **htmx_headers()).content.decode()
    assert "Head of Sales" in timeline and "—" in timeline  # old (empty) → new


def test_given_invalid_value_when_saved_inline_then_422_error_next_to_field_and_nothing_changes(admin_client, make_contact):
    contact = make_contact(first_name="Mina", email="mina@example.com")
    response = admin_client.post(f"/contacts/{contact.pk}/fields/email/", {"value": "nope"}, **htmx_headers())
    assert response.status_code == 422
    body = response.content.decode()
    assert "field-error" in body and "Enter a valid email address" in body and 'value="nope"' in body
    contact.refresh_from_db()
    assert contact.email == "mina@example.com"


def test_given_no_javascript_when_editing_a_field_then_full_page_form_and_redirect(admin_client, make_contact):
    contact = make_contact(first_name="Mina")
    page = admin_client.get(f"/contacts/{contact.pk}/fields/city/?edit=1")
    assert page.status_code == 200 and "<html" in page.content.decode()
    response = admin_client.post(f"/contacts/{contact.pk}/fields/city/", {"value": "Shiraz"})
    assert response.status_code == 302 and response["Location"] == f"/contacts/{contact.pk}/"
    contact.refresh_from_db()
    assert contact.city == "Shiraz"


def test_given_unknown_field_when_editing_then_404(admin_client, make_contact):
    contact = make_contact(first_name="Mina")
    assert admin_client.get(f"/contacts/{contact.pk}/fields/search_text/?edit=1").status_code == 404


def test_given_custom_properties_when_edited_inline_then_validated_and_saved(admin_client, make_contact):
    settings_services.property_define(object_type="contact", key="budget", label="Budget", type="number")
    settings_services.property_define(object_type="contact", key="interests", label="Interests", type="multi_choice", choices=["CRM", "Email"])
    settings_services.property_define(object_type="contact", key="vip", label="VIP", type="boolean")
    contact = make_contact(first_name="Mina")
    assert "Budget" in admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    bad = admin_client.post(f"/contacts/{contact.pk}/fields/p.budget/", {"value": "lots"}, **htmx_headers())
    assert bad.status_code == 422 and "Enter a number." in bad.content.decode()
    assert admin_client.post(f"/contacts/{contact.pk}/fields/p.budget/", {"value": "۱۲۰۰"}, **htmx_headers()).status_code == 200
    assert admin_client.post(f"/contacts/{contact.pk}/fields/p.interests/", {"value": ["CRM", "Email"]}, **htmx_headers()).status_code == 200
    assert admin_client.post(f"/contacts/{contact.pk}/fields/p.vip/", {"value": "true"}, **htmx_headers()).status_code == 200
    contact.refresh_from_db()
    assert contact.properties == {"budget": 1200, "interests": ["CRM", "Email"], "vip": True}


def test_given_tags_and_owner_when_edited_inline_then_saved(admin_client, make_contact, sales_user):
    contact = make_contact(first_name="Mina")
    admin_client.post(f"/contacts/{contact.pk}/fields/tags/", {"value": "vip, webinar"}, **htmx_headers())
    response = admin_client.post(f"/contacts/{contact.pk}/fields/owner/", {"value": str(sales_user.pk)}, **htmx_headers())
    assert "sales1" in response.content.decode()
    contact.refresh_from_db()
    assert contact.owner_id == sales_user.pk
    assert sorted(contact.tags.values_list("name", flat=True)) == ["vip", "webinar"]


def test_given_forward_move_when_changing_stage_then_history_row_and_panel_updated(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="lead")
    response = admin_client.post(f"/contacts/{contact.pk}/stage/", {"stage": "mql", "action": "move"}, **htmx_headers())
    assert response.status_code == 200
    body = response.content.decode()
    assert "Marketing qualified lead" in body and 'hx-swap-oob="true"' in body
    assert StageChange.objects.filter(contact=contact, from_stage="lead", to_stage="mql").exists()


def test_given_backward_move_without_reason_when_changing_stage_then_422_message_and_nothing_changes(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="sql")
    response = admin_client.post(f"/contacts/{contact.pk}/stage/", {"stage": "lead", "action": "move"}, **htmx_headers())
    assert response.status_code == 422
    assert "needs a reason" in response.content.decode()
    contact.refresh_from_db()
    assert contact.stage_id == "sql"
    plain = admin_client.post(f"/contacts/{contact.pk}/stage/", {"stage": "lead", "action": "move"})
    assert plain.status_code == 422 and "needs a reason" in plain.content.decode()


def test_given_reason_when_recycling_then_moved_and_reason_in_history(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="sql")
    refused = admin_client.post(f"/contacts/{contact.pk}/stage/", {"action": "recycled", "reason": ""}, **htmx_headers())
    assert refused.status_code == 422
    response = admin_client.post(f"/contacts/{contact.pk}/stage/", {"action": "recycled", "reason": "No budget this year"})
    assert response.status_code == 302
    change = StageChange.objects.get(contact=contact, to_stage="recycled")
    assert change.reason == "No budget this year" and change.is_backward
    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "No budget this year" in page and "Recycled" in page


def _chosen_move(page: str) -> str:
    select = page[page.index('id="stage-select"'):page.index("</select>", page.index('id="stage-select"'))]
    chosen = select.split(" selected>")[0].rsplit('value="', 1)[1]
    return chosen.split('"')[0]


@pytest.mark.parametrize(("stage", "expected"), [("subscriber", "lead"), ("lead", "mql"), ("mql", "sql"), ("opportunity", "customer")])
def test_given_a_funnel_stage_when_opening_the_page_then_move_to_offers_the_next_stage(admin_client, make_contact, stage, expected):
    contact = make_contact(first_name="Mina", stage=stage)

    assert _chosen_move(admin_client.get(f"/contacts/{contact.pk}/").content.decode()) == expected


def test_given_a_customer_when_opening_the_page_then_move_to_asks_for_a_choice(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="customer")

    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()

    assert _chosen_move(page) == "" and "Choose a stage…" in page
    assert 'value="disqualified" formnovalidate' in page  # the side actions still submit past the empty choice


def test_given_a_recycled_contact_when_opening_the_page_then_move_to_offers_the_stage_it_left(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="sql")
    admin_client.post(f"/contacts/{contact.pk}/stage/", {"action": "recycled", "reason": "No budget this year"})

    assert _chosen_move(admin_client.get(f"/contacts/{contact.pk}/").content.decode()) == "sql"


def test_given_a_long_stage_name_when_shown_in_the_stage_bar_then_its_full_name_is_there_to_read(admin_client, make_contact):
    contact = make_contact(first_name="Mina", stage="lead")

    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()

    assert '<li class="" title="Marketing qualified lead">Marketing qualified lead</li>' in page


def test_given_percent_encoded_first_touch_urls_then_shown_decoded_and_linked_as_stored(admin_client, make_contact):
    landing = "https://www.example.ir/%D9%85%D8%AD%D8%B5%D9%88%D9%84%D8%A7%D8%AA?utm_source=nl"
    contact = make_contact(first_name="Mina", landing_page=landing, referrer="https://t.me/%D8%B3%D9%84%D8%A7%D9%85")

    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()

    first_touch = page[page.index('id="h-source"'):page.index("</section>", page.index('id="h-source"'))]
    assert f'<a href="{landing}"' in first_touch and "https://www.example.ir/محصولات?utm_source=nl</bdi>" in first_touch
    assert "https://t.me/سلام</bdi>" in first_touch
    # and so does the timeline's "Contact created" row listing them
    timeline = page.split('id="timeline-list"')[1]
    assert f'<a href="{landing}"' in timeline and "https://t.me/سلام</bdi>" in timeline
    assert "%D9" not in re.sub(r'href="[^"]*"', "", timeline)  # encoded only inside the links


def test_given_many_activities_when_paging_timeline_then_newest_first_and_older_on_request(admin_client, make_contact):
    contact = make_contact(first_name="Mina")
    for i in range(25):
        note_add(body=f"note number {i:02d}", contact_id=contact.pk, actor=Actor.system())
    page = admin_client.get(f"/contacts/{contact.pk}/").content.decode()
    timeline = page[page.index('id="timeline-list"'):]
    assert timeline.index("note number 24") < timeline.index("note number 10")
    assert "note number 00" not in timeline.split("timeline-more")[0]
    import re

    cursor = re.search(r'/timeline/\?before=([^"]+)"', page).group(1)
    older = admin_client.get(f"/contacts/{contact.pk}/timeline/?before={cursor}", **htmx_headers()).content.decode()
    assert "note number 00" in older and "Contact created" in older and "note number 24" not in older


def test_given_note_when_added_then_listed_and_on_timeline(admin_client, make_contact):
    contact = make_contact(first_name="Mina")
    response = admin_client.post(f"/contacts/{contact.pk}/notes/", {"body": "Called, interested"}, **htmx_headers())
    assert response.status_code == 200 and "Called, interested" in response.content.decode()
    assert Note.objects.filter(contact=contact).count() == 1
    assert "Note added" in admin_client.get(f"/contacts/{contact.pk}/timeline/", **htmx_headers()).content.decode()
    empty = admin_client.post(f"/contacts/{contact.pk}/notes/", {"body": "  "}, **htmx_headers())
    assert empty.status_code == 422


def test_given_merged_away_contact_when_opened_then_redirect_to_survivor(admin_client, admin_user, make_contact):
    survivor, loser = make_contact(email="a@example.com"), make_contact(email="b@example.com")
    contact_merge(survivor_id=survivor.pk, loser_id=loser.pk, actor=Actor.for_user(admin_user))
    response = admin_client.get(f"/contacts/{loser.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/contacts/{survivor.pk}/"


def test_given_missing_contact_when_opened_then_404(admin_client):
    assert admin_client.get("/contacts/999999/").status_code == 404


def test_given_merge_search_when_typing_then_candidates_listed_except_self(admin_client, make_contact):
    a = make_contact(first_name="Reza", last_name="Karimi", email="reza@example.com")
    make_contact(first_name="Reza", last_name="K", email="reza.k@example.com")
    body = admin_client.get(f"/contacts/{a.pk}/merge/", {"q": "reza"}, **htmx_headers("merge-candidates")).content.decode()
    assert "reza.k@example.com" in body and f"other={a.pk}" not in body


def test_given_conflicts_when_previewing_merge_then_newer_value_is_default_and_choice_honoured(admin_client, make_contact):
    older = make_contact(first_name="Reza", email="reza@example.com", job_title="Engineer")
    newer = make_contact(first_name="Reza", email="reza.k@example.com", job_title="CTO")
    preview = admin_client.get(f"/contacts/{older.pk}/merge/", {"other": newer.pk}).content.decode()
    assert "Job title" in preview and "Engineer" in preview and "CTO" in preview
    assert 'name="choice_job_title" value="loser" checked' in preview  # the newer (other) record wins by default
    response = admin_client.post(f"/contacts/{older.pk}/merge/", {"other": newer.pk, "choice_job_title": "survivor", "choice_email": "survivor"})
    assert response.status_code == 302 and response["Location"] == f"/contacts/{older.pk}/"
    older.refresh_from_db()
    newer.refresh_from_db()
    assert older.job_title == "Engineer" and older.email == "reza@example.com"
    assert newer.merged_into_id == older.pk
    assert "Merged with contact" in admin_client.get(f"/contacts/{older.pk}/").content.decode()


def test_given_delete_confirmation_when_posted_then_contact_gone(marketer_client, make_contact):
    contact = make_contact(first_name="Gone")
    assert marketer_client.get(f"/contacts/{contact.pk}/delete/").status_code == 200
    response = marketer_client.post(f"/contacts/{contact.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()
