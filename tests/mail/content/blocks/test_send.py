"""A Persian block template sent to a real SMTP server (aiosmtpd): the message a contact
receives is right to left, personalised, and carries the saved testimonial's current text
in both parts."""

from __future__ import annotations

import re

import pytest

from sarnakh.contacts.services import contact_upsert
from sarnakh.core.actor import Actor
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.blocks import services
from sarnakh.mail.delivery import message
from sarnakh.mail.delivery import services as delivery_services
from tests.mail.content.blocks.support import document, template_values
from tests.mail.delivery.conftest import sink  # noqa: F401 - the real SMTP server fixture

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_a_persian_block_template_when_sent_then_the_received_message_is_rtl_personalised_and_current(sink):  # noqa: F811
    maryam = contact_upsert(data={"email": "maryam@example.org", "first_name": "مریم", "consent": "subscribed"},
                            actor=Actor.system("tests")).contact
    quote = services.saved_block_create(name="نظر مشتری", blocks=[{"type": "text", "text": "«عالی بود»"}])
    template = content_services.template_create(**template_values(language="fa", subject="سلام {{ contact.first_name }}", blocks=document(
        {"type": "heading", "text": 'سلام {{ contact.first_name | default("دوست عزیز") }}'},
        {"type": "saved", "id": quote.pk},
        {"type": "button", "label": "خواندن", "href": "https://example.com/fa?c={{ contact.email }}"})))
    services.saved_block_update(saved_block_id=quote.pk, blocks=[{"type": "text", "text": "«نرخ تبدیل ما دو برابر شد»"}])
    rendered = content_services.template_preview(template_id=template.pk, contact_id=maryam.pk)
    delivery_services.email_send(
        to="maryam@example.org", idempotency_key="blocks-test:maryam", subject=rendered.subject, html=rendered.html,
        text=rendered.text, kind="marketing", contact_id=maryam.pk,
        list_unsubscribe=message.Unsubscribe(url="https://crm.example.ir/u/x", mailto="unsubscribe+x@example.ir"))
    [got] = sink.received
    assert got.message["Subject"] == "سلام مریم"
    html = got.message.get_body(("html",)).get_content()
    text = got.message.get_body(("plain",)).get_content()
    assert re.search(r'<html[^>]*dir="rtl"', html) and "Vazirmatn" in html
    assert "سلام مریم" in html and "«نرخ تبدیل ما دو برابر شد»" in html and "عالی بود" not in html
    assert 'href="https://example.com/fa?c=maryam@example.org"' in html
    assert "سلام مریم" in text and "«نرخ تبدیل ما دو برابر شد»" in text and "خواندن (https://example.com/fa?c=maryam@example.org)" in text
