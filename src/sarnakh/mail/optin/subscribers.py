"""Confirmation emails go out when their request commits: a double opt-in form's
submission (capture's `form.submitted` with `consent_pending`) and the preference centre's
resubscribe request (`email.resubscribe_requested`). Fast (sent right after commit, in
process); the outbox job is the guarantee, and the emails' idempotency keys make a second
delivery send nothing."""

from __future__ import annotations

from sarnakh.capture.forms import selectors as form_selectors
from sarnakh.core.events import Envelope, subscribe
from sarnakh.mail.optin import services

MAX_PER_BATCH = 500  # a batch is one transaction's events: one submission, one request


@subscribe("form.submitted", key="mail.optin_confirmation_email", fast=True,
           when=lambda names: form_selectors.any_double_opt_in_form())
def send_opt_in_confirmations(envelopes: list[Envelope]) -> None:
    for envelope in envelopes[:MAX_PER_BATCH]:
        if getattr(envelope.event, "consent_pending", False):
            services.optin_request(submission_id=envelope.event.submission_id)


@subscribe("email.resubscribe_requested", key="mail.resubscribe_confirmation_email", fast=True)
def send_resubscribe_confirmations(envelopes: list[Envelope]) -> None:
    for envelope in envelopes[:MAX_PER_BATCH]:
        services.resubscribe_email_send(request_id=envelope.event.request_id)
