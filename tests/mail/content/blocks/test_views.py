"""The block editor's pages in English and Persian: a new block template (the starter,
save, errors on the block they concern), the editor of a block template, its live preview,
the one-way switch to HTML source, and saved blocks (list, new, edit, delete)."""

from __future__ import annotations

import html
import json
import re

import pytest

from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.blocks import selectors
from sarnakh.mail.content.demo import load_email_templates_demo
from tests.mail.content.blocks.support import GREETING, document, short, template_values
from tests.mail.content.support import contact

pytestmark = pytest.mark.django_db

FORM = {"name": "Block news", "subject": "News", "preheader": "", "language": "en", "topic": "", "kind": "marketing"}


def _json_script(page: str, element_id: str):
    return json.loads(html.unescape(re.search(f'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S).group(1)))


@pytest.mark.parametrize(("language", "words"), [
    ("en", ["New email template (blocks)", "Heading", "Saved block", "Save template"]),
    ("fa", ["قالب ایمیل تازه (بلوکی)", "عنوان", "بلوک ذخیره‌شده", "ذخیره‌ی قالب"]),
])
def test_given_the_list_when_new_template_blocks_is_opened_then_the_editor_has_a_starter_in_the_ui_language(marketer_client, language, words):
    marketer_client.cookies["django_language"] = language
    listing = marketer_client.get("/email/templates/").content.decode()
    assert 'href="/email/templates/new/blocks/"' in listing
    page = marketer_client.get("/email/templates/new/blocks/")
    assert page.status_code == 200
    text = page.content.decode()
    assert all(word in text for word in words), [w for w in words if w not in text]
    starter = json.loads(html.unescape(re.search(r'id="blocks-json" value="([^"]*)"', text).group(1)))
    assert [b["type"] for b in starter["blocks"]] == ["heading", "text", "button"]
    assert ('value="fa" selected' in text) == (language == "fa")
    assert _json_script(text, "block-editor-strings")["types"]["heading"] == words[1]
    assert 'src="/static/mail/blocks/editor.js"' in text and "onclick" not in text


def test_given_a_posted_block_template_then_it_is_saved_and_its_edit_page_is_the_block_editor(marketer_client):
    answer = marketer_client.post("/email/templates/new/blocks/", {**FORM, "blocks": json.dumps(short())})
    template = content_selectors.template_by_name("Block news")
    assert answer.status_code == 302 and answer["Location"] == f"/email/templates/{template.pk}/"
    assert template.blocks == short() and GREETING in template.html
    editor = marketer_client.get(f"/email/templates/{template.pk}/").content.decode()
    assert 'id="block-editor"' in editor and 'name="html"' not in editor
    changed = {**short(), "blocks": short()["blocks"][:1]}
    marketer_client.post(f"/email/templates/{template.pk}/", {**FORM, "language": "fa", "blocks": json.dumps(changed)})
    template = content_selectors.template_get(template.pk)
    assert template.blocks == changed and 'dir="rtl"' in template.html and "Read more" not in template.html


def test_given_bad_blocks_when_saved_then_422_keeps_the_typed_blocks_and_gives_the_errors_to_the_editor(marketer_client):
    bad = document({"type": "heading", "text": "Hi"}, {"type": "button", "label": "Go", "href": "javascript:alert(1)"})
    answer = marketer_client.post("/email/templates/new/blocks/", {**FORM, "blocks": json.dumps(bad)})
    assert answer.status_code == 422
    page = answer.content.decode()
    assert _json_script(page, "block-editor-errors") == [
        {"key": "blocks[1].href", "message": "Block 2: The address must start with https://, http://, mailto:, tel:."}]
    assert "javascript:alert(1)" in html.unescape(re.search(r'id="blocks-json" value="([^"]*)"', page).group(1))
    unreadable = marketer_client.post("/email/templates/new/blocks/", {**FORM, "blocks": "{not json"})
    assert unreadable.status_code == 422 and "The blocks could not be read." in unreadable.content.decode()
    assert content_selectors.template_list() == []


def test_given_the_draft_blocks_when_previewed_then_the_frames_show_the_contact_or_the_block_errors(marketer_client):
    sara = contact(first_name="Sara")
    answer = marketer_client.post("/email/templates/preview/blocks/", {**FORM, "language": "fa", "blocks": json.dumps(short()),
                                                                        "preview_contact": sara.pk})
    page = answer.content.decode()
    assert answer.status_code == 200 and "<iframe sandbox=" in page
    frame = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))
    assert "Hello Sara" in frame and 'dir="rtl"' in frame
    assert _json_script(page, "block-errors-data") == []
    bad = marketer_client.post("/email/templates/preview/blocks/", {**FORM, "blocks": json.dumps(document({"type": "text", "text": "<script>x</script>"}))})
    errors = _json_script(bad.content.decode(), "block-errors-data")
    assert [e["key"] for e in errors] == ["blocks[0].text"] and "<iframe" not in bad.content.decode()


def test_given_a_block_template_when_switched_to_html_then_the_source_editor_opens_with_its_html(marketer_client):
    template = content_services.template_create(**template_values())
    answer = marketer_client.post(f"/email/templates/{template.pk}/to-html/")
    assert answer.status_code == 302
    editor = marketer_client.get(f"/email/templates/{template.pk}/").content.decode()
    assert 'name="html"' in editor and 'id="block-editor"' not in editor
    assert content_selectors.template_get(template.pk).blocks is None


def test_given_saved_blocks_pages_then_a_block_is_made_changed_and_only_an_unused_one_deleted(marketer_client):
    page = marketer_client.get("/email/saved-blocks/new/")
    assert page.status_code == 200 and 'data-allow-saved=""' in page.content.decode()
    made = marketer_client.post("/email/saved-blocks/new/", {"name": "Quote", "blocks": json.dumps(document({"type": "text", "text": "“Great”"}))})
    saved = selectors.saved_block_by_name("Quote")
    assert made.status_code == 302 and saved.blocks == [{"type": "text", "text": "“Great”"}]
    template = content_services.template_create(**template_values(blocks=document({"type": "saved", "id": saved.pk})))
    marketer_client.post(f"/email/saved-blocks/{saved.pk}/", {"name": "Quote", "blocks": json.dumps(document({"type": "text", "text": "“Better”"}))})
    assert "Better" in content_selectors.template_get(template.pk).html
    listing = marketer_client.get("/email/saved-blocks/").content.decode()
    assert "Quote" in listing and f'/email/saved-blocks/{saved.pk}/delete/' not in listing  # in use: no delete button
    refused = marketer_client.post(f"/email/saved-blocks/{saved.pk}/delete/", follow=True)
    assert "Block news" in refused.content.decode() and selectors.saved_block_get(saved.pk) is not None
    preview = marketer_client.post("/email/saved-blocks/preview/", {"name": "Quote", "language": "en",
                                                                    "blocks": json.dumps(document({"type": "text", "text": "“Better”"}))})
    assert "Better" in html.unescape(preview.content.decode())


def test_given_the_demo_then_the_block_newsletters_use_the_saved_testimonials(marketer_client):
    load_email_templates_demo()
    load_email_templates_demo()  # idempotent
    persian = content_selectors.template_by_name("خبرنامه ماهانه (بلوکی)")
    english = content_selectors.template_by_name("Product newsletter (blocks)")
    assert persian.blocks and english.blocks and 'dir="rtl"' in persian.html
    assert "مریم احمدی" in persian.html and "Dana Whitfield" in english.html
    assert sorted(selectors.saved_block_use_counts().values()) == [1, 1]
    assert marketer_client.get(f"/email/templates/{persian.pk}/").status_code == 200
    assert marketer_client.get("/email/saved-blocks/").status_code == 200


def test_given_a_sales_user_then_the_block_pages_are_refused(sales_client):
    assert sales_client.get("/email/templates/new/blocks/").status_code == 403
    assert sales_client.get("/email/saved-blocks/").status_code == 403
