"""Demo data for the block editor: saved testimonial blocks (the brief's social proof) and
a Persian and an English newsletter built with blocks that use them (called by the email
templates' demo, so `sarnakh demo` loads them)."""

from __future__ import annotations

from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.content.blocks import selectors, services

TESTIMONIAL_EN = {
    "name": "Testimonial: Acme Logistics",
    "blocks": [
        {"type": "divider"},
        {"type": "columns", "columns": [
            [{"type": "image", "src": "https://example.com/img/acme-logo.png", "alt": "Acme Logistics", "width": 120}],
            [{"type": "text", "text": "<i>“Sarnakh cut our lead response time from two days to two hours, and sales "
                                      "finally trusts the MQLs marketing sends.”</i>"},
             {"type": "text", "text": "<b>Dana Whitfield</b>, Head of Sales, Acme Logistics"}],
        ]},
        {"type": "divider"},
    ],
}
TESTIMONIAL_FA = {
    "name": "نظر مشتری: فروشگاه آفتاب",
    "blocks": [
        {"type": "divider"},
        {"type": "text", "text": "<i>«با سرنخ، سرنخ‌های گرم را همان روز به فروش می‌رسانیم؛ نرخ تبدیل ما "
                                 "در سه ماه دو برابر شد.»</i>"},
        {"type": "text", "text": "<b>مریم احمدی</b>، مدیر فروش فروشگاه آفتاب", "align": "left"},
        {"type": "divider"},
    ],
}


def _newsletter_fa(testimonial_id: int) -> dict:
    return {
        "name": "خبرنامه ماهانه (بلوکی)",
        "subject": "{{ contact.first_name | default(\"دوست عزیز\") }}، تازه‌های سرنخ در این ماه",
        "preheader": "راهنمای امتیازدهی، وبینار پنج‌شنبه و تجربه‌ی یک مشتری",
        "language": "fa", "topic": "newsletter", "kind": "marketing",
        "blocks": {"version": 1, "blocks": [
            {"type": "image", "src": "https://example.com/img/sarnakh-banner.png", "alt": "سرنخ", "width": 600},
            {"type": "heading", "text": "سلام {{ contact.first_name | default(\"دوست عزیز\") }}،"},
            {"type": "text", "text": "در این شماره{% if company.name %} برای همکاران {{ company.name }}{% endif %}: "
                                     "<b>راهنمای تازه‌ی امتیازدهی سرنخ‌ها</b>، وبینار بازاریابی ایمیلی و تخفیف ویژه‌ی مشترکان."},
            {"type": "columns", "columns": [
                [{"type": "heading", "level": 3, "text": "راهنمای امتیازدهی"},
                 {"type": "text", "text": "چگونه سرنخ‌های آماده‌ی خرید را زودتر بشناسیم."},
                 {"type": "button", "label": "خواندن راهنما", "href": "https://example.com/fa/guide?utm_source=sarnakh&utm_medium=email"}],
                [{"type": "heading", "level": 3, "text": "وبینار پنج‌شنبه"},
                 {"type": "text", "text": "بازاریابی ایمیلی برای تیم‌های کوچک، ساعت ۱۰ صبح."},
                 {"type": "button", "label": "ثبت‌نام", "href": "https://example.com/fa/webinar?utm_source=sarnakh&utm_medium=email",
                  "background": "#0f766e"}],
            ]},
            {"type": "saved", "id": testimonial_id},
            {"type": "spacer", "height": 16},
            {"type": "text", "text": "{{ owner.name | default(\"تیم سرنخ\") }}", "align": "center"},
        ]},
    }


def _newsletter_en(testimonial_id: int) -> dict:
    return {
        "name": "Product newsletter (blocks)",
        "subject": "What's new in Sarnakh, {{ contact.first_name | default(\"friend\") }}",
        "preheader": "Faster hand-offs, a scoring guide and a customer story",
        "language": "en", "topic": "product-news", "kind": "marketing",
        "blocks": {"version": 1, "blocks": [
            {"type": "heading", "text": "Hi {{ contact.first_name | default(\"there\") }},"},
            {"type": "text", "text": "Here is what changed this month{% if company.name %} for the team at "
                                     "{{ company.name }}{% endif %}:\n<b>SLA clocks</b> for every hand-off, and a new "
                                     "<a href=\"https://example.com/guide?utm_source=sarnakh&utm_medium=email\">lead scoring guide</a>."},
            {"type": "button", "label": "See what's new", "href": "https://example.com/new?utm_source=sarnakh&utm_medium=email"},
            {"type": "saved", "id": testimonial_id},
            {"type": "text", "text": "{{ owner.name | default(\"The Sarnakh team\") }}"},
        ]},
    }


def load_blocks_demo() -> str:
    """Idempotent: what is already there by name is left as it is."""
    made = 0
    saved = {}
    for values in (TESTIMONIAL_EN, TESTIMONIAL_FA):
        block = selectors.saved_block_by_name(values["name"])
        if block is None:
            block = services.saved_block_create(**values)
            made += 1
        saved[values["name"]] = block.pk
    for values in (_newsletter_fa(saved[TESTIMONIAL_FA["name"]]), _newsletter_en(saved[TESTIMONIAL_EN["name"]])):
        if content_selectors.template_by_name(values["name"]) is None:
            content_services.template_create(**values)
            made += 1
    return f"Block editor demo: {made} saved blocks and templates added."
