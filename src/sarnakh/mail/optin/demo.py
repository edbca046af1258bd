"""Opt-in for `sarnakh demo`: a newsletter sign-up form with double opt-in (English and
Persian), so the builder shows the setting and a submission shows the confirmation email.
Idempotent: a second run finds the form."""

from __future__ import annotations

from sarnakh.capture.forms import selectors as form_selectors
from sarnakh.capture.forms import services as form_services
from sarnakh.core.actor import Actor

SLUG = "newsletter-signup"


def load_optin_demo() -> str:
    if form_selectors.form_get(SLUG) is not None:
        return "Opt-in: the double opt-in demo form is there already."
    form_services.form_create(data={
        "name": "Newsletter sign-up (double opt-in)", "slug": SLUG,
        "title": {"en": "Get our newsletter", "fa": "خبرنامهٔ ما را بگیرید"},
        "intro": {"en": "One email a month about lead generation. You confirm from your inbox.",
                  "fa": "ماهی یک ایمیل دربارهٔ جذب سرنخ. عضویت را از صندوق ایمیل خود تأیید می‌کنید."},
        "fields": [
            {"name": "email", "label": {"en": "Email", "fa": "ایمیل"}, "type": "email", "required": True, "property": "email"},
            {"name": "first_name", "label": {"en": "First name", "fa": "نام"}, "type": "text", "property": "first_name"},
        ],
        "consent_enabled": True, "consent_required": True, "double_opt_in": True,
        "consent_text": {"en": "Send me the monthly newsletter. I can unsubscribe at any time.",
                         "fa": "خبرنامهٔ ماهانه را برایم بفرستید. هر زمان می‌توانم لغو کنم."},
        "thank_you_message": {"en": "Thanks! Check your inbox and confirm your subscription.",
                              "fa": "سپاس! صندوق ایمیل خود را ببینید و عضویت را تأیید کنید."},
    }, actor=Actor.system("demo"))
    return f"Opt-in: a newsletter sign-up form with double opt-in (/f/{SLUG})."
