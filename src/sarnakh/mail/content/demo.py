"""Demo data for email templates: an English welcome message and a Persian newsletter
written as HTML, and the block editor's demo (blocks/demo.py: saved testimonials and a
Persian and an English newsletter made of blocks) (called by `sarnakh demo`)."""

from __future__ import annotations

from sarnakh.mail.content import selectors, services
from sarnakh.mail.content.blocks.demo import load_blocks_demo

STYLE = """<style>
  .wrap { max-width: 600px; margin: 0 auto; padding: 24px; background: #ffffff; }
  h1 { font-size: 24px; color: #0f172a; margin: 0 0 12px; }
  p, li { font-size: 16px; line-height: 1.7; color: #334155; }
  .button { display: inline-block; padding: 10px 18px; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 6px; }
  .footer { font-size: 12px; color: #64748b; }
  @media (max-width: 480px) { .wrap { padding: 12px; } h1 { font-size: 20px; } }
</style>"""

ENGLISH = {
    "name": "Welcome (English)",
    "subject": "Welcome to Sarnakh, {{ contact.first_name | default(\"friend\") }}",
    "preheader": "Three things to try in your first week",
    "language": "en", "topic": "onboarding", "kind": "marketing",
    "html": STYLE + """
<div class="wrap">
  <h1>Hi {{ contact.first_name | default("there") }},</h1>
  <p>Thanks for your interest{% if company.name %} from {{ company.name }}{% endif %}. Here is where to start:</p>
  <ul>
    <li>Import your contacts</li>
    <li>Add the tracking snippet to your site</li>
    <li>Build your first segment</li>
  </ul>
  <p><a class="button" href="https://example.com/start?utm_source=sarnakh&amp;utm_medium=email">Get started</a></p>
  <p class="footer">{{ owner.name | default("The Sarnakh team") }}</p>
</div>""",
}

PERSIAN = {
    "name": "خبرنامه ماهانه",
    "subject": "{{ contact.first_name | default(\"دوست عزیز\") }}، تازه‌های این ماه",
    "preheader": "راهنمای تازه، یک وبینار و تخفیف ویژه",
    "language": "fa", "topic": "newsletter", "kind": "marketing",
    "html": STYLE + """
<div class="wrap">
  <h1>سلام {{ contact.first_name | default("دوست عزیز") }}،</h1>
  <p>در این شماره{% if company.name %} برای همکاران {{ company.name }}{% endif %}:</p>
  <ol>
    <li>راهنمای تازه‌ی امتیازدهی سرنخ‌ها</li>
    <li>وبینار بازاریابی ایمیلی، پنج‌شنبه ساعت ۱۰</li>
    <li>تخفیف ویژه برای مشترکان خبرنامه</li>
  </ol>
  <p><a class="button" href="https://example.com/fa/news?utm_source=sarnakh&amp;utm_medium=email">خواندن خبرنامه</a></p>
  <p class="footer">{{ owner.name | default("تیم سرنخ") }}</p>
</div>""",
}


def load_email_templates_demo() -> str:
    """Idempotent: a template already there by name is left as it is."""
    made = 0
    for values in (ENGLISH, PERSIAN):
        if selectors.template_by_name(values["name"]) is None:
            services.template_create(**values)
            made += 1
    return f"Email templates demo: {made} templates added. {load_blocks_demo()}"
