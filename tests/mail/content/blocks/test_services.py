"""Block templates' writes: the HTML made from the blocks and kept with them, saved blocks
by reference (a change reaches every template that uses it), the one-way switch to HTML
source, and refusals that change nothing."""

from __future__ import annotations

import pytest

from sarnakh.core.errors import Conflict, ValidationFailed
from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.blocks import selectors, services
from sarnakh.mail.content.blocks.models import SavedBlockUse
from tests.mail.content.blocks.support import GREETING, document, template_values
from tests.mail.content.support import contact

pytestmark = pytest.mark.django_db


def _testimonial(text="“Great tool” — Maryam"):
    return services.saved_block_create(name="Testimonial", blocks=[{"type": "text", "text": text}])


def test_given_blocks_when_a_template_is_created_then_the_blocks_and_their_html_are_stored():
    template = content_services.template_create(**template_values())
    stored = content_selectors.template_get(template.pk)
    assert stored.blocks["blocks"][0] == {"type": "heading", "text": GREETING}
    assert stored.html.startswith("<!doctype html>") and GREETING in stored.html


def test_given_a_template_using_a_saved_block_when_the_block_changes_then_the_template_renders_its_current_content():
    saved = _testimonial()
    template = content_services.template_create(**template_values(blocks=document({"type": "saved", "id": saved.pk},
                                                                                   {"type": "divider"})))
    assert list(SavedBlockUse.objects.values_list("template_id", "saved_block_id")) == [(template.pk, saved.pk)]
    assert "Great tool" in content_services.template_preview(template_id=template.pk).html
    # when the saved block is changed
    services.saved_block_update(saved_block_id=saved.pk, blocks=[{"type": "text", "text": "“Doubled our MQLs” — Reza"}])
    # then the template (not saved again) shows the new content
    preview = content_services.template_preview(template_id=template.pk)
    assert "Doubled our MQLs" in preview.html and "Great tool" not in preview.html
    assert selectors.saved_block_use_counts() == {saved.pk: 1}


def test_given_a_saved_block_in_use_when_deleted_then_409_names_the_template_and_it_stays():
    saved = _testimonial()
    content_services.template_create(**template_values(name="Spring news", blocks=document({"type": "saved", "id": saved.pk})))
    with pytest.raises(Conflict, match="“Spring news”"):
        services.saved_block_delete(saved_block_id=saved.pk)
    assert selectors.saved_block_get(saved.pk) is not None
    unused = services.saved_block_create(name="Unused", blocks=[{"type": "divider"}])
    services.saved_block_delete(saved_block_id=unused.pk)
    assert selectors.saved_block_get(unused.pk) is None


def test_given_a_block_template_when_its_language_changes_then_its_html_is_remade_right_to_left():
    template = content_services.template_create(**template_values())
    assert 'dir="ltr"' in template.html
    changed = content_services.template_update(template_id=template.pk, language="fa")
    assert 'dir="rtl"' in changed.html and "Vazirmatn" in changed.html


def test_given_a_block_template_when_switched_to_html_then_the_html_stays_and_the_blocks_and_uses_are_gone():
    saved = _testimonial()
    template = content_services.template_create(**template_values(blocks=document({"type": "saved", "id": saved.pk})))
    html = template.html
    switched = content_services.template_update(template_id=template.pk, blocks=None)
    assert switched.blocks is None and switched.html == html
    assert not SavedBlockUse.objects.exists()
    # and from now on it is edited as HTML
    content_services.template_update(template_id=template.pk, html="<p>Plain {{ contact.first_name }}</p>")
    assert content_selectors.template_get(template.pk).html == "<p>Plain {{ contact.first_name }}</p>"


def test_given_a_block_template_when_html_alone_is_sent_then_it_is_refused_and_nothing_changes():
    template = content_services.template_create(**template_values())
    with pytest.raises(ValidationFailed) as refused:
        content_services.template_update(template_id=template.pk, html="<p>x</p>")
    assert "edited as blocks" in str(refused.value.fields["html"])
    assert content_selectors.template_get(template.pk).html == template.html


def test_given_bad_blocks_when_saved_then_errors_are_keyed_by_block_path_and_nothing_is_saved():
    bad = document({"type": "heading", "text": "ok"}, {"type": "button", "label": "x", "href": "javascript:alert(1)"},
                   {"type": "saved", "id": 999})
    with pytest.raises(ValidationFailed) as refused:
        content_services.template_create(**template_values(blocks=bad))
    assert set(refused.value.fields) == {"blocks[1].href", "blocks[2].id"}
    assert content_selectors.template_list() == []
    # and the other fields' errors come with them
    with pytest.raises(ValidationFailed) as refused:
        content_services.template_create(**template_values(name="", blocks=bad))
    assert set(refused.value.fields) == {"name", "blocks[1].href", "blocks[2].id"}
    with pytest.raises(ValidationFailed) as refused:
        services.saved_block_create(name="", blocks=[{"type": "saved", "id": 1}])
    assert set(refused.value.fields) == {"name", "blocks[0].id"}


def test_given_a_saved_block_change_that_would_break_a_template_then_it_is_refused_naming_the_template(monkeypatch):
    saved = _testimonial()
    content_services.template_create(**template_values(name="Autumn news", blocks=document({"type": "saved", "id": saved.pk})))
    monkeypatch.setattr(services, "MAX_HTML", 12_000)
    with pytest.raises(ValidationFailed, match="“Autumn news” would break"):
        services.saved_block_update(saved_block_id=saved.pk, blocks=[{"type": "text", "text": "long " * 2000}])
    assert selectors.saved_block_get(saved.pk).blocks == [{"type": "text", "text": "“Great tool” — Maryam"}]


def test_given_the_editors_draft_when_previewed_then_it_renders_for_a_contact_or_returns_the_block_errors():
    sara = contact(first_name="Sara")
    values = {"subject": "Hi", "preheader": "", "language": "fa"}
    email, errors = content_services.draft_preview(values=values, contact_id=sara.pk, blocks=template_values()["blocks"])
    assert errors == {} and "Hello Sara" in email.html and 'dir="rtl"' in email.html
    email, errors = content_services.draft_preview(values=values, blocks=document({"type": "text", "text": "<script>x</script>"}))
    assert email is None and list(errors) == ["blocks[0].text"]
