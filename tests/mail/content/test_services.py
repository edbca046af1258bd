"""Email template services: create, change, delete with validation (a refused write
changes nothing), and previews as a contact."""

from __future__ import annotations

import pytest

from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.mail.content import selectors, services
from sarnakh.mail.content.models import EmailTemplate
from tests.mail.content.support import company, contact, newsletter

pytestmark = pytest.mark.django_db


def test_given_valid_fields_when_a_template_is_created_then_it_is_stored_as_given():
    template = newsletter(topic="newsletter", kind="marketing")
    stored = selectors.template_get(template.pk)
    assert (stored.name, stored.language, stored.topic, stored.kind, stored.blocks) == \
        ("Monthly news", "en", "newsletter", "marketing", None)


def test_given_unknown_variables_when_a_template_is_created_then_each_field_names_them_and_nothing_is_stored():
    with pytest.raises(ValidationFailed) as refused:
        services.template_create(name="Bad", subject="Hi {{ contact.frist_name }}", preheader="{{ promo }}",
                                 html="<p>\n{{ contact.email }}\n{{ contact.__class__ }}</p>", language="xx", topic="Not A Slug")
    fields = refused.value.fields
    assert fields["subject"] == ["Line 1: unknown variable “contact.frist_name”."]
    assert fields["preheader"] == ["Line 1: unknown variable “promo”."]
    assert fields["html"] == ["Line 3: “contact.__class__” is private: names starting with _ cannot be used."]
    assert set(fields) == {"subject", "preheader", "html", "language", "topic"}
    assert EmailTemplate.objects.count() == 0


def test_given_a_template_when_a_bad_change_is_sent_then_it_is_refused_and_the_template_is_unchanged():
    template = newsletter()
    with pytest.raises(ValidationFailed):
        services.template_update(template_id=template.pk, name="Renamed", html="{% for %}")
    assert selectors.template_get(template.pk).name == "Monthly news"
    changed = services.template_update(template_id=template.pk, language="fa", subject="سلام {{ contact.first_name }}")
    assert (changed.language, changed.subject, changed.name) == ("fa", "سلام {{ contact.first_name }}", "Monthly news")


def test_given_a_template_when_deleted_then_it_is_gone_and_a_second_delete_is_not_found():
    template = newsletter()
    services.template_delete(template_id=template.pk)
    assert selectors.template_get(template.pk) is None
    with pytest.raises(NotFound):
        services.template_delete(template_id=template.pk)


def test_given_a_contact_with_company_when_previewed_then_the_message_is_personalised():
    acme = company("Acme")
    sara = contact(first_name="Sara", company=acme, properties={"plan": "pro"})
    template = newsletter()
    email = services.template_preview(template_id=template.pk, contact_id=sara.pk, data={"offer": "20% off"})
    assert email.subject == "News for Sara" and email.preheader == "From Acme"
    assert '<h1 style="color: #123456;">Hello Sara</h1>' in email.html
    assert "Plan: pro; 20% off" in email.text and "See the offer (https://example.com/offer)" in email.text


def test_given_a_contact_with_empty_fields_when_previewed_then_fallbacks_fill_them():
    bare = contact(first_name="", email="x@example.com")
    email = services.template_preview(template_id=newsletter().pk, contact_id=bare.pk)
    assert email.subject == "News for you" and "Hello friend" in email.html and "Plan: none" in email.text
    assert email.preheader == "From"


def test_given_no_contact_id_when_previewed_then_the_first_contact_is_used():
    contact(first_name="First")
    contact(first_name="Second", email="second@example.com")
    assert services.template_preview(template_id=newsletter().pk).subject == "News for First"


def test_given_an_unknown_contact_when_previewed_then_not_found():
    with pytest.raises(NotFound):
        services.template_preview(template_id=newsletter().pk, contact_id=999_999)


def test_given_a_draft_with_an_error_when_previewed_live_then_the_errors_come_back_by_field():
    contact(first_name="Sara")
    email, errors = services.draft_preview(values={"subject": "Hi", "html": "{{ contact.nope }}", "language": "en"})
    assert email is None and errors == {"html": ["Line 1: unknown variable “contact.nope”."]}
    email, errors = services.draft_preview(values={"subject": "Hi {{ contact.first_name }}", "html": "<p>x</p>",
                                                   "language": "fa"})
    assert errors == {} and email.subject == "Hi Sara" and 'dir="rtl"' in email.html


def test_given_a_template_that_passes_a_bound_when_previewed_then_it_is_refused_on_html():
    template = newsletter(html="{% for i in range(100000) %}x{% endfor %}")
    with pytest.raises(ValidationFailed) as refused:
        services.template_preview(template_id=template.pk)
    assert "range()" in refused.value.fields["html"][0]


def test_given_a_contact_with_an_owner_when_previewed_then_the_owner_name_and_email_are_filled(django_user_model):
    owner = django_user_model.objects.create_user("reza", email="reza@example.com", first_name="Reza", last_name="Karimi")
    sara = contact(first_name="Sara", owner=owner)
    template = newsletter(html="<p>{{ owner.name }} &lt;{{ owner.email }}&gt;</p>")
    assert services.template_preview(template_id=template.pk, contact_id=sara.pk).text == "Reza Karimi <reza@example.com>"
