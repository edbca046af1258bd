import io

import pytest
from django.test import Client

from sarnakh.capture.imports.models import ContactImport
from sarnakh.contacts.models import Contact
from sarnakh.core.jobs import run_pending_jobs
from tests.capture.imports.conftest import cp1256

pytestmark = pytest.mark.django_db

CSV = "نام,نام خانوادگی,ایمیل,تلفن,Budget\r\nعلی,رضایی,ali@example.com,09121234567,10\r\nبد,نام,not-email,,\r\n"


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client, data: bytes):
    file = io.BytesIO(data)
    file.name = "leads.csv"
    return client.post("/imports/upload/", {"file": file})


def test_given_marketer_when_uploading_mapping_previewing_then_starting_then_contacts_imported(marketer):
    client = logged_in(marketer)
    assert client.get("/imports/").status_code == 200

    uploaded = upload(client, cp1256(CSV))
    assert uploaded.status_code == 302
    draft = ContactImport.objects.get()
    assert uploaded["Location"] == f"/imports/{draft.pk}/mapping/"
    page = client.get(uploaded["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "cp1256" in html
    assert '<option value="email" selected>' in html and "properties.budget" in html

    form = {f"map_{i}": t for i, t in enumerate(["first_name", "last_name", "email", "phone", "properties.budget"])}
    form.update(source_type="outbound", channel="event", tag="Expo", on_duplicate="update", encoding="cp1256", delimiter=",")
    preview = client.post(f"/imports/{draft.pk}/mapping/", {**form, "action": "preview"})
    assert preview.status_code == 302
    run_pending_jobs()
    detail = client.get(preview["Location"]).content.decode()
    assert "ali@example.com" in detail and "not-email" in detail and Contact.objects.count() == 0

    started = client.post(f"/imports/{draft.pk}/start/")
    assert started.status_code == 302
    real = ContactImport.objects.get(dry_run=False)
    assert started["Location"] == f"/imports/{real.pk}/"
    waiting = client.get(f"/imports/{real.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in waiting
    run_pending_jobs()
    finished = client.get(f"/imports/{real.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' not in finished and "not-email" in finished
    ali = Contact.objects.get(email="ali@example.com")
    assert (ali.channel, ali.properties, ali.tags.get().name) == ("event", {"budget": "10"}, "Expo")
    report = client.get(f"/imports/{real.pk}/errors.csv")
    assert b"".join(report.streaming_content).decode("utf-8-sig").splitlines()[1].startswith("3,")


def test_given_bad_mapping_when_starting_then_page_again_with_the_problem(marketer):
    client = logged_in(marketer)
    draft_url = upload(client, CSV.encode())["Location"]
    response = client.post(draft_url, {"map_0": "email", "map_2": "email", "source_type": "outbound", "channel": "list_import",
                                       "on_duplicate": "update", "encoding": "utf-8", "delimiter": ",", "action": "start"})
    assert response.status_code == 422
    assert "both fill email" in response.content.decode()
    assert ContactImport.objects.get().status == "draft"


def test_given_running_import_when_cancelled_from_the_page_then_cancelled(marketer):
    client = logged_in(marketer)
    draft = ContactImport.objects.get(pk=int(upload(client, CSV.encode())["Location"].split("/")[2]))
    assert draft.status == "draft"
    client.post(f"/imports/{draft.pk}/cancel/")
    draft.refresh_from_db()
    assert draft.status == "cancelled"


def test_permissions_sales_cannot_import_but_can_export_anonymous_goes_to_login(sales_user, marketer, client):
    sales = logged_in(sales_user)
    assert sales.get("/imports/").status_code == 403
    assert upload(sales, CSV.encode()).status_code == 403
    export = sales.get("/exports/contacts.csv", {"channel": "cold-email"})
    assert export.status_code == 200 and b"".join(export.streaming_content).startswith(b"\xef\xbb\xbfid,")
    assert client.get("/imports/").status_code == 302
    assert client.get("/exports/contacts.csv").status_code == 302


def test_given_a_crm_export_when_previewed_then_the_page_shows_warnings_matches_and_date_order_in_both_languages(marketer, admin_user):
    from sarnakh.contacts.services import contact_upsert
    from sarnakh.core.actor import Actor

    existing = contact_upsert(data={"email": "old@example.com"}, actor=Actor.for_user(admin_user)).contact
    client = logged_in(marketer)
    text = "Email,Lead Source,Create Date\r\nold@example.com,Trade Fair,31/12/2017\r\nnew@example.com,Web,01/02/2018\r\nnew@example.com,,\r\n"
    draft_url = upload(client, text.encode())["Location"]
    mapping_page = client.get(draft_url).content.decode()
    assert 'name="unknown_channel"' in mapping_page and 'name="unknown_stage"' in mapping_page and 'name="date_order"' in mapping_page
    form = {"map_0": "email", "map_1": "channel", "map_2": "created_at", "source_type": "outbound", "channel": "list_import",
            "unknown_channel": "event", "unknown_stage": "", "date_order": "auto", "on_duplicate": "update", "encoding": "utf-8",
            "delimiter": ",", "action": "preview"}
    detail_url = client.post(draft_url, form)["Location"]
    run_pending_jobs()

    page = client.get(detail_url).content.decode()
    assert 'id="import-warnings"' in page and 'id="import-matches"' in page and 'id="import-date-orders"' in page
    assert '<bdi class="uv" dir="auto">Trade Fair</bdi>' in page
    assert f'href="/contacts/{existing.pk}/"' in page and "Same person as row 3" in page
    assert "read day first" in page

    client.cookies["django_language"] = "fa"
    persian = client.get(detail_url, HTTP_ACCEPT_LANGUAGE="fa").content.decode()
    assert "هشدار" in persian and "با روز در اول" in persian and "همان شخص ردیف ۳" in persian
    assert '<bdi class="uv" dir="auto">Trade Fair</bdi>' in persian
    assert 'ویژگی <bdi class="uv" dir="auto">source_detail</bdi>' in persian  # the property key is isolated too
