"""Email template pages in English and Persian: the list, the editor (save, errors next to
the fields), the live preview (sandboxed iframes, desktop and mobile), delete, and who may
see them."""

from __future__ import annotations

import html

import pytest

from sarnakh.mail.content import selectors
from sarnakh.mail.content.demo import load_email_templates_demo
from tests.mail.content.support import contact, newsletter

pytestmark = pytest.mark.django_db

FORM = {"name": "Spring offer", "subject": "Hi {{ contact.first_name }}", "preheader": "Just for you",
        "html": "<h1>Hello {{ contact.first_name | default('friend') }}</h1>", "language": "en", "topic": "offers",
        "kind": "marketing"}


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["Email templates", "Welcome (English)", "خبرنامه ماهانه", "Marketing"]),
    ("fa", ["قالب‌های ایمیل", "Welcome (English)", "خبرنامه ماهانه", "بازاریابی"]),
])
def test_given_the_demo_templates_when_the_list_and_editor_are_read_then_they_show_in_each_language(marketer_client, language, words):
    load_email_templates_demo()
    marketer_client.cookies["django_language"] = language
    listing = marketer_client.get("/email/templates/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert all(word in text for word in words)
    persian = selectors.template_by_name("خبرنامه ماهانه")
    editor = marketer_client.get(f"/email/templates/{persian.pk}/")
    assert editor.status_code == 200
    page = editor.content.decode()
    assert 'name="html"' in page and 'hx-post="/email/templates/preview/"' in page and 'value="fa" selected' in page


def test_given_the_editor_when_a_valid_template_is_posted_then_it_is_saved_and_the_editor_opens(marketer_client):
    answer = marketer_client.post("/email/templates/new/", FORM)
    template = selectors.template_by_name("Spring offer")
    assert answer.status_code == 302 and answer["Location"] == f"/email/templates/{template.pk}/"
    assert (template.subject, template.topic) == ("Hi {{ contact.first_name }}", "offers")


@pytest.mark.parametrize(("language", "message"), [
    ("en", "Line 2: unknown variable “contact.frist_name”."),
    ("fa", "خط ۲: متغیر ناشناخته‌ی «contact.frist_name»."),
])
def test_given_an_unknown_variable_when_saved_then_the_error_is_next_to_the_field_and_nothing_is_saved(marketer_client, language, message):
    marketer_client.cookies["django_language"] = language
    answer = marketer_client.post("/email/templates/new/", {**FORM, "html": "<p>\n{{ contact.frist_name }}</p>"})
    assert answer.status_code == 422
    page = answer.content.decode()
    errors = page.split('id="errors-html"', 1)[1].split("</div></div>", 1)[0]
    assert message in html.unescape(errors)
    assert "<p>\n{{ contact.frist_name }}</p>" in html.unescape(page)  # the typed source is kept
    assert selectors.template_list() == []


def test_given_a_draft_when_previewed_then_iframes_are_sandboxed_and_the_message_is_personalised(marketer_client):
    sara = contact(first_name="Sara")
    answer = marketer_client.post("/email/templates/preview/", {**FORM, "preview_contact": str(sara.pk)})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert page.count('<iframe sandbox=""') == 2 and "mail-frame-desktop" in page and "mail-frame-mobile" in page
    assert "Hello Sara" in html.unescape(page) and "Hi Sara" in page
    assert 'id="errors-html" hx-swap-oob="true"></div>' in page  # the field's old error is cleared


def test_given_a_broken_draft_when_previewed_then_errors_go_to_their_fields_out_of_band(marketer_client):
    contact(first_name="Sara")
    page = marketer_client.post("/email/templates/preview/", {**FORM, "subject": "{{ nope }}"}).content.decode()
    assert "<iframe" not in page
    assert 'id="errors-subject" hx-swap-oob="true"><div class="field-error"' in page
    assert "unknown variable “nope”." in html.unescape(page)


def test_given_a_template_when_deleted_from_the_editor_then_it_is_gone(marketer_client):
    template = newsletter()
    answer = marketer_client.post(f"/email/templates/{template.pk}/delete/")
    assert answer.status_code == 302 and selectors.template_get(template.pk) is None


def test_given_a_sales_user_when_the_pages_are_opened_then_they_are_forbidden(sales_client):
    assert sales_client.get("/email/templates/").status_code == 403
    assert sales_client.post("/email/templates/preview/", FORM).status_code == 403
