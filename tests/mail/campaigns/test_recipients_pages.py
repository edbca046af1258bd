"""Who opened and clicked, on screen and through the API: the page in English and Persian
(filter tabs with their counts, bidi-isolated contacts, Persian digits and Jalali dates,
machine opens marked), the keyset "Next page", the CSV, the report's links to it, the API's
rows and cursor, and who may read it."""

from __future__ import annotations

import csv
import html
import io

import pytest

from tests.mail.campaigns.ui_support import OFFER, OTHER, engaged_campaign

pytestmark = pytest.mark.django_db
BASE = "/api/v1/campaigns"


def _text(answer) -> str:
    return html.unescape(answer.content.decode())


def _row(page: str, contact_id: int) -> str:
    return page.split(f'data-contact="{contact_id}"', 1)[1].split("</tr>", 1)[0]


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Who opened and clicked", "Opened by machines only", "Not opened", "Human opens", "Machine opens", "machine"]),
    ("fa", ["چه کسی باز کرد و کلیک کرد", "فقط ماشین‌ها باز کردند", "باز نشده", "باز شدن‌های انسانی", "ماشین"]),
])
def test_given_an_engaged_campaign_when_its_recipients_page_is_read_then_tabs_rows_and_numbers_show_in_each_language(
        marketer_client, language, words):
    known = engaged_campaign()
    marketer_client.cookies["django_language"] = language

    page = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/recipients/"))

    assert all(word in page for word in words), [w for w in words if w not in page]
    tab = page.split('data-show="opened"', 1)[1].split("</a>", 1)[0]
    assert ("۲" if language == "fa" else "2") in tab
    zero = _row(page, known.contacts[0])
    assert 'dir="auto">Name0</bdi>' in zero and 'dir="auto">person0@example.org</bdi>' in zero and OTHER in zero
    assert f'href="/email/campaigns/{known.campaign.pk}/recipients/' not in zero and f'/contacts/{known.contacts[0]}/' in zero
    if language == "fa":
        assert "۱۴۰۵" in zero  # the first open, 2026-11-20, in the Jalali calendar with Persian digits
    else:
        assert "2026" in zero


def test_given_a_filter_and_a_page_size_when_followed_then_next_page_carries_the_cursor(marketer_client, monkeypatch):
    from sarnakh.mail.campaigns import views

    known = engaged_campaign()
    monkeypatch.setattr(views, "RECIPIENTS_PAGE", 2)
    url = f"/email/campaigns/{known.campaign.pk}/recipients/"

    first = _text(marketer_client.get(url, {"show": "not_opened"}))
    link = first.split('id="recipients-next" href="', 1)[1].split('"', 1)[0]
    second = _text(marketer_client.get(url + link))

    assert [c for c in known.contacts if f'data-contact="{c}"' in first] == [known.contacts[1], known.contacts[3]]
    assert [c for c in known.contacts if f'data-contact="{c}"' in second] == [known.contacts[4], known.contacts[5]]
    assert "show=not_opened" in link and 'id="recipients-next"' not in second


def test_given_a_link_of_the_click_map_when_followed_then_only_who_clicked_it_shows(marketer_client):
    known = engaged_campaign()

    report = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/report/"))
    page = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/recipients/", {"show": "clicked", "url": OFFER}))

    assert f'/email/campaigns/{known.campaign.pk}/recipients/' in report  # the "Who opened and clicked" link
    assert f"show=clicked&url={OFFER.replace(':', '%3A').replace('/', '%2F')}" in report
    assert f'data-contact="{known.contacts[0]}"' in page and f'data-contact="{known.contacts[2]}"' not in page


def test_given_a_filter_when_downloaded_as_csv_then_the_same_rows_come(marketer_client):
    known = engaged_campaign()

    answer = marketer_client.get(f"/email/campaigns/{known.campaign.pk}/recipients.csv", {"show": "bounced"})
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode("utf-8-sig"))))

    assert answer["Content-Type"].startswith("text/csv")
    assert [(r["email"], r["bounce"], r["complained"]) for r in rows] == [
        ("person3@example.org", "soft", "yes"), ("person5@example.org", "hard", "")]


def test_given_roles_when_the_page_is_asked_then_sales_reads_it_and_anonymous_is_sent_to_log_in(sales_client, client):
    known = engaged_campaign()
    url = f"/email/campaigns/{known.campaign.pk}/recipients/"

    assert sales_client.get(url).status_code == 200
    assert sales_client.get(url.replace("recipients/", "recipients.csv")).status_code == 200
    assert client.get(url).status_code == 302
    assert client.get(url.replace("recipients/", "recipients.csv")).status_code == 302
    assert sales_client.get("/email/campaigns/999999/recipients/").status_code == 404


def test_given_an_engaged_campaign_when_its_recipients_are_read_through_the_api_then_rows_and_cursor_come(read_api):
    known = engaged_campaign()
    url = f"{BASE}/{known.campaign.pk}/recipients"

    first = read_api.get(url, {"show": "not_opened", "limit": 3}).json()
    second = read_api.get(url, {"show": "not_opened", "limit": 3, "after": first["next_after"]}).json()
    opened = read_api.get(url, {"show": "opened"}).json()["rows"]

    assert [r["email"] for r in first["rows"] + second["rows"]] == [f"person{i}@example.org" for i in (1, 3, 4, 5)]
    assert second["next_after"] is None and first["rows"][0]["opens_machine"] == 1
    assert [(r["email"], r["opens_human"], r["clicks_human"], r["last_click_url"], r["unsubscribed"]) for r in opened] == [
        ("person0@example.org", 1, 3, OTHER, True), ("person2@example.org", 1, 0, "", True)]
    assert opened[0]["first_open_at"].startswith("2026-11-20T11:00")


@pytest.mark.parametrize("query", [{"show": "everyone"}, {"limit": 0}, {"limit": 201}, {"after": 0}, {"after": 2**70}])
def test_given_bad_parameters_when_the_api_is_asked_then_422(read_api, query):
    known = engaged_campaign()

    assert read_api.get(f"{BASE}/{known.campaign.pk}/recipients", query).status_code == 422


def test_given_no_key_or_an_unknown_campaign_when_the_api_is_asked_then_401_or_404(read_api, anon_api):
    known = engaged_campaign()

    assert anon_api.get(f"{BASE}/{known.campaign.pk}/recipients").status_code == 401
    assert read_api.get(f"{BASE}/999999/recipients").status_code == 404
