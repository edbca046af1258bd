"""The campaign screens in English and Persian: the list, the composer (errors next to their
fields, nothing saved), the review's numbers and test send, schedule, the progress page and
its polled fragment, pause/resume/cancel, the report's figures, and who may do what."""

from __future__ import annotations

import html
import re

import pytest
from django.utils import translation

from sarnakh.contacts.models import Contact
from sarnakh.mail.campaigns import reasons, services
from sarnakh.mail.campaigns.models import Campaign
from sarnakh.mail.subscriptions.models import Suppression
from tests.mail.campaigns.ui_support import ACTOR, a_list, draft, known_campaign, people, template
from tests.mail.delivery.conftest import sink  # noqa: F401 - a real SMTP server for the test send

pytestmark = pytest.mark.django_db


def _text(answer) -> str:
    return html.unescape(answer.content.decode())


def _figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}">([^<]*)<', page).group(1)


def _form(**values) -> dict:
    return {"name": "Azar newsletter", "template_id": str(template().pk), "sender_id": "", "topic": "newsletter",
            "segment_id": "", "schedule_kind": "now", "scheduled_at": "", "window_start": "", "window_end": "",
            "track_links": "on", "utm_campaign": "azar", "conversion_stage": "mql", "conversion_days": "14", **values}


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Email campaigns", "Azar newsletter", "Sending", "Newsletter readers", "Campaigns", "Templates", "Human opens"]),
    ("fa", ["کمپین‌های ایمیلی", "Azar newsletter", "در حال ارسال", "Newsletter readers", "کمپین‌ها", "قالب‌ها", "باز شدن‌های انسانی"]),
])
def test_given_campaigns_when_the_list_is_read_then_status_audience_and_figures_show_in_each_language(marketer_client, language, words):
    known = known_campaign()
    marketer_client.cookies["django_language"] = language

    page = _text(marketer_client.get("/email/campaigns/"))

    assert all(word in page for word in words), [w for w in words if w not in page]
    row = page.split(f'data-campaign="{known.campaign.pk}"', 1)[1].split("</tr>", 1)[0]
    assert ">۶<" in row if language == "fa" else ">6<" in row  # sent


def test_given_the_top_bar_when_a_sales_rep_reads_it_then_email_opens_the_campaigns_read_only(sales_client):
    known = known_campaign()
    page = _text(sales_client.get("/email/campaigns/"))

    assert 'href="/email/campaigns/"' in page.split('class="mainnav"', 1)[1].split("</nav>", 1)[0]
    assert "New campaign" not in page and 'href="/email/templates/"' not in page
    assert sales_client.get(f"/email/campaigns/{known.campaign.pk}/report/").status_code == 200
    assert sales_client.get("/email/campaigns/new/").status_code == 403
    assert sales_client.post(f"/email/campaigns/{known.campaign.pk}/pause/").status_code == 403


def test_given_an_anonymous_visitor_when_a_campaign_page_is_asked_for_then_the_login_page_answers(client):
    answer = client.get("/email/campaigns/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


@pytest.mark.parametrize(("language", "template_error"), [("en", "Choose a template."), ("fa", "یک قالب انتخاب کنید.")])
def test_given_a_composer_post_without_name_template_or_audience_then_errors_are_next_to_the_fields_and_nothing_is_saved(
        marketer_client, language, template_error):
    marketer_client.cookies["django_language"] = language

    answer = marketer_client.post("/email/campaigns/new/", _form(name="", template_id=""))

    assert answer.status_code == 422
    page = _text(answer)
    assert template_error in page.split('id="errors-template_id"', 1)[1].split("</div></div>", 1)[0]
    assert not Campaign.objects.exists()
    answer = marketer_client.post("/email/campaigns/new/", _form(name="", schedule_kind="at"))
    page = _text(answer)
    assert page.split('id="errors-name"', 1)[1].split("</div></div>", 1)[0].count("field-error") == 1
    assert page.split('id="errors-segment_id"', 1)[1].split("</div></div>", 1)[0].count("field-error") == 1
    assert page.split('id="errors-scheduled_at"', 1)[1].split("</div></div>", 1)[0].count("field-error") == 1
    assert 'value="azar"' in page  # what was typed is kept
    assert not Campaign.objects.exists()


def test_given_a_bad_time_when_composed_then_the_time_field_says_so(marketer_client):
    answer = marketer_client.post("/email/campaigns/new/", _form(window_start="25:99", window_end="18:00"))

    assert answer.status_code == 422
    assert "Enter a time such as 09:00." in _text(answer).split('id="errors-window_start"', 1)[1].split("</div></div>", 1)[0]


def test_given_a_valid_composer_post_then_a_draft_is_saved_and_the_review_opens(marketer_client):
    segment_id = a_list(people(3))

    answer = marketer_client.post("/email/campaigns/new/", _form(segment_id=str(segment_id), schedule_kind="at",
                                                                   scheduled_at="2030-01-02T10:30", window_start="09:00",
                                                                   window_end="17:00"))

    campaign = Campaign.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/email/campaigns/{campaign.pk}/review/"
    assert (campaign.status, campaign.segment_id, campaign.topic, campaign.conversion_days) == ("draft", segment_id, "newsletter", 14)
    assert campaign.scheduled_at is not None and str(campaign.window_start) == "09:00:00"
    edit = _text(marketer_client.get(f"/email/campaigns/{campaign.pk}/edit/"))
    assert 'value="2030-01-02T10:30"' in edit and f'value="{segment_id}" selected' in edit


def test_given_a_draft_when_edited_then_it_changes_and_a_sent_one_cannot_be(marketer_client):
    c = draft(a_list(people(2, start=50)))
    answer = marketer_client.post(f"/email/campaigns/{c.pk}/edit/", _form(name="Renamed", segment_id=str(c.segment_id)))
    assert answer.status_code == 302
    c.refresh_from_db()
    assert c.name == "Renamed"
    known = known_campaign()
    assert marketer_client.get(f"/email/campaigns/{known.campaign.pk}/edit/").status_code == 302


def test_given_a_filter_audience_set_through_the_api_then_the_composer_shows_it_read_only(marketer_client):
    people(2)
    c = services.campaign_create(actor=ACTOR, name="Filtered", template_id=template().pk, audience_kind="filter",
                                 audience_filter={"match": "all", "conditions": [{"field": "email", "op": "contains", "value": "example"}]})

    page = _text(marketer_client.get(f"/email/campaigns/{c.pk}/edit/"))

    assert 'id="filter-audience"' in page and 'name="segment_id"' not in page and '"example"' in page


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_an_audience_with_suppressed_and_unconsented_contacts_when_reviewed_then_counts_and_reasons_show(
        marketer_client, language):
    ids = people(4) + people(1, start=10, consent="unknown")
    Suppression.objects.create(address="person0@example.org", reason="unsubscribed_all", created_at=Contact.objects.first().created_at)
    c = draft(a_list(ids))
    marketer_client.cookies["django_language"] = language

    page = _text(marketer_client.get(f"/email/campaigns/{c.pk}/review/"))

    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹") if language == "fa" else str.maketrans("", "")
    assert [_figure(page, n) for n in ("total", "sendable", "excluded")] == [s.translate(digits) for s in ("5", "3", "2")]
    reasons_table = page.split('id="excluded-reasons"', 1)[1].split("</table>", 1)[0]
    assert 'data-reason="unsubscribed_all"' in reasons_table and 'data-reason="no_consent"' in reasons_table
    with translation.override(language):
        assert reasons.label("unsubscribed_all") in reasons_table  # the engine's label, in the page's language
    assert 'data-confirm="' in page.split('id="schedule-form"', 1)[1][:400]


def test_given_the_review_when_send_test_to_me_is_pressed_then_the_logged_in_user_gets_it(marketer_client, sink):  # noqa: F811
    c = draft(a_list(people(2)))

    answer = marketer_client.post(f"/email/campaigns/{c.pk}/test/")

    assert answer.status_code == 302
    assert [r.recipients for r in sink.received] == [["marketer1@example.com"]]
    assert sink.received[0].message["Subject"].startswith("[TEST]")


def test_given_a_draft_when_scheduled_for_later_then_it_is_frozen_and_the_progress_page_polls(marketer_client):
    c = draft(a_list(people(3)), schedule_kind="at", scheduled_at=Contact.objects.first().created_at.replace(year=2031))

    answer = marketer_client.post(f"/email/campaigns/{c.pk}/schedule/")

    assert answer.status_code == 302 and answer["Location"] == f"/email/campaigns/{c.pk}/progress/"
    c.refresh_from_db()
    assert c.status == "scheduled" and c.recipients.count() == 3
    fragment = _text(marketer_client.get(f"/email/campaigns/{c.pk}/progress/?fragment=1"))
    assert fragment.startswith('<div id="campaign-progress"') and 'hx-trigger="every 3s"' in fragment
    assert _figure(fragment, "pending") == "3"
    page = _text(marketer_client.get(f"/email/campaigns/{c.pk}/progress/"))
    assert "/pause/" in page and "/cancel/" in page and "<html" in page


def test_given_a_scheduled_campaign_when_paused_resumed_and_cancelled_then_the_status_follows(marketer_client):
    c = draft(a_list(people(2)), schedule_kind="at", scheduled_at=Contact.objects.first().created_at.replace(year=2031))
    services.campaign_schedule(actor=ACTOR, campaign_id=c.pk)

    marketer_client.post(f"/email/campaigns/{c.pk}/pause/")
    c.refresh_from_db()
    assert c.status == "paused"
    page = _text(marketer_client.get(f"/email/campaigns/{c.pk}/progress/"))
    assert "/resume/" in page and 'hx-trigger' not in page
    marketer_client.post(f"/email/campaigns/{c.pk}/resume/")
    c.refresh_from_db()
    assert c.status == "scheduled"
    marketer_client.post(f"/email/campaigns/{c.pk}/cancel/")
    c.refresh_from_db()
    assert c.status == "cancelled"
    answer = marketer_client.post(f"/email/campaigns/{c.pk}/pause/", follow=True)
    assert "Only a scheduled or sending campaign can be paused." in _text(answer)


def test_given_a_sent_campaign_when_its_progress_fragment_is_read_then_it_stops_polling(marketer_client):
    known = known_campaign()
    Campaign.objects.filter(pk=known.campaign.pk).update(status="sent")

    fragment = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/progress/?fragment=1"))

    assert "hx-get" not in fragment and _figure(fragment, "sent") == "5" and _figure(fragment, "bounced") == "1"


@pytest.mark.parametrize("language", ["en", "fa"])
def test_given_a_known_campaign_when_its_report_is_read_then_the_figures_are_the_hand_count(marketer_client, language):
    known = known_campaign()
    marketer_client.cookies["django_language"] = language

    page = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/report/"))

    digits = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹") if language == "fa" else str.maketrans("", "")
    expected = {"sent": "6", "delivered": "5", "bounced": "1", "deferred": "1", "opens_human": "0", "opens_machine": "0",
                "unsubscribes": "2", "complaints": "0", "conversions": "2"}
    assert {name: _figure(page, name) for name in expected} == {k: v.translate(digits) for k, v in expected.items()}
    with translation.override(language):
        assert reasons.label("frequency_cap") in page


def test_given_tracked_engagement_when_the_report_is_read_then_charts_and_the_click_map_are_drawn(marketer_client, monkeypatch):
    from sarnakh.mail.campaigns import report
    from tests.mail.campaigns.ui_support import T0

    known = known_campaign()
    monkeypatch.setattr(report, "engagement_hourly", lambda ids, start, until: [(T0, "open", False, 3), (T0, "click", True, 2)])
    monkeypatch.setattr(report, "click_map", lambda ids: [("https://example.com/offer", 4, 3, 2)])

    page = _text(marketer_client.get(f"/email/campaigns/{known.campaign.pk}/report/"))

    assert 'id="opens-chart"' in page and 'id="clicks-chart"' in page
    assert 'data-human="3" data-machine="0"' in page and 'data-human="0" data-machine="2"' in page
    assert 'data-url="https://example.com/offer"' in page.split('id="click-map"', 1)[1]
