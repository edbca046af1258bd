"""The demo's double opt-in form: there once, and a submission on it asks for confirmation."""

from sarnakh.capture.forms.models import Form
from sarnakh.core.jobs import run_pending_jobs
from sarnakh.mail.optin.demo import SLUG, load_optin_demo
from tests.capture.forms.support import post_json


def test_demo_form_asks_for_double_opt_in_and_is_idempotent(db, inbox):
    load_optin_demo()
    load_optin_demo()
    form = Form.objects.get(slug=SLUG)
    assert form.double_opt_in and form.consent_enabled and Form.objects.count() == 1
    post_json(SLUG, {"fields": {"email": "demo@example.com", "first_name": "Sara"}, "consent": True})
    run_pending_jobs()
    assert [m["Subject"] for m in inbox.messages] == ["Please confirm your subscription"]
