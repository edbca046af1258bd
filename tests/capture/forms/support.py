"""Helpers shared by the form tests: a typical contact form and JSON posting."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.test import Client

from sarnakh.capture.forms import intake as form_intake
from sarnakh.capture.forms import services as form_services
from sarnakh.capture.forms.models import Form
from sarnakh.core import clock
from sarnakh.core.actor import Actor

CONSENT_EN = "Send me the newsletter. I can unsubscribe at any time."
FIELDS = [
    {"name": "email", "label": {"en": "Email", "fa": "ایمیل"}, "type": "email", "required": True, "property": "email"},
    {"name": "first_name", "label": {"en": "First name", "fa": "نام"}, "type": "text", "required": False, "property": "first_name"},
    {"name": "company", "label": {"en": "Company", "fa": "شرکت"}, "type": "text", "property": "company.name"},
    {"name": "interest", "label": "Interest", "type": "choice", "choices": ["crm", "automation"], "property": ""},
    {"name": "message", "label": "Message", "type": "textarea", "max_length": 200},
]


def make_form(slug: str = "contact-us", **overrides: Any) -> Form:
    data = {
        "name": "Contact us", "slug": slug, "fields": FIELDS, "consent_enabled": True,
        "consent_text": {"en": CONSENT_EN, "fa": "خبرنامه را برایم بفرست."},
        "thank_you_message": {"en": "Thanks, we will call you.", "fa": "ممنون، تماس می‌گیریم."},
    }
    data.update(overrides)
    return form_services.form_create(data=data, actor=Actor.system("test"))


def human_token(form: Form, seconds_ago: float = 30) -> str:
    """A fill-time token issued `seconds_ago`: a person who took that long to fill the form."""
    return form_intake.fill_token(form, issued_at=clock.now() - dt.timedelta(seconds=seconds_ago))


def post_json(slug: str, body: Any, client: Client | None = None, **extra):
    client = client or Client()
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"/api/v1/forms/{slug}/submissions", data=data, content_type="application/json", **extra)


def submission_body(email: str = "sara@example.com", **fields: Any) -> dict[str, Any]:
    return {
        "fields": {"email": email, "first_name": "Sara", "company": "Atlas Analytics", "interest": "crm", **fields},
        "context": {
            "visitor_id": "v-123", "page_url": "https://www.example.com/pricing?utm_source=newsletter&utm_campaign=spring",
            "referrer": "https://news.example.org/",
        },
        "consent": True,
    }
