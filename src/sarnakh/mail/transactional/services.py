"""Sending one template to one contact now: the API's transactional send
(`POST /api/v1/emails/send`) and a template's test send to oneself.

The message is rendered for the contact with the caller's data (mail.content), then goes
through `email_send` — the one gate, the idempotency key, the sent-message log. The
template's kind decides the rules: a transactional template ignores topic unsubscribes but
never goes to a hard-bounced or complaining address; a marketing one needs a lawful basis
and carries the one-click unsubscribe headers.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _

from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.normalize import InvalidEmail, normalize_email
from sarnakh.mail.content import selectors as content_selectors
from sarnakh.mail.content import services as content_services
from sarnakh.mail.delivery import selectors as delivery_selectors
from sarnakh.mail.delivery import services as delivery_services
from sarnakh.mail.delivery.models import OutboundEmail

# The API's keys live in their own namespace: a caller's "42" never meets a campaign's key.
API_KEY_PREFIX = "api:"
MAX_CALLER_KEY = delivery_services.MAX_KEY_LENGTH - len(API_KEY_PREFIX)


def _template(template_id: int):
    template = content_selectors.template_get(template_id)
    if template is None:
        raise NotFound(_("No email template with the id %(id)s.") % {"id": template_id})
    return template


def _sender(sender_id: int | None):
    if sender_id is None:
        return None
    sender = delivery_selectors.sender_get(sender_id)
    if sender is None:
        raise NotFound(_("No such sender."))
    return sender


def template_send(*, template_id: int, contact_id: int, idempotency_key: str, data: Any = None,
                  sender_id: int | None = None) -> OutboundEmail:
    """Sends the template to the contact's address once per `idempotency_key` (the
    caller's; a repeat answers with the first call's row and sends nothing). Refused
    addresses raise SendRefused; a temporary failure leaves the row `failed_temporary`, and
    the same key may be retried."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_CALLER_KEY:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields={"idempotency_key": [_("Give a key of at most %(n)s characters.") % {"n": MAX_CALLER_KEY}]})
    full_key = API_KEY_PREFIX + key
    earlier = delivery_selectors.outbound_by_key(full_key)
    if earlier is not None:
        return earlier
    template = _template(template_id)
    sender = _sender(sender_id)
    values = content_selectors.contact_values(contact_id)
    if values is None:
        raise NotFound(_("No contact with the id %(id)s.") % {"id": contact_id})
    address = (values.get("contact") or {}).get("email") or ""
    if not address:
        raise delivery_services.SendRefused("no_address")
    rendered = content_services.template_preview(template_id=template.pk, contact_id=contact_id, data=data)
    name = " ".join(p for p in ((values["contact"].get("first_name") or ""), (values["contact"].get("last_name") or "")) if p)
    return delivery_services.email_send(
        to=address, to_name=name, subject=rendered.subject, html=rendered.html, text=rendered.text, kind=template.kind,
        idempotency_key=full_key, sender=sender, contact_id=contact_id, topic=template.topic,
    )


def template_send_test(*, template_id: int, to: str, contact_id: int | None = None) -> OutboundEmail:
    """The template rendered as `contact_id` (default: the first contact) sent to `to` —
    the editor's "send a test to me". Always transactional (it goes to the sender's own
    team, not to the contact), subject marked "[Test]", each call sends (its own key)."""
    try:
        address = normalize_email(to)
    except InvalidEmail as exc:
        raise ValidationFailed(_("Some fields are not valid."), fields={"to": [str(exc)]}) from None
    if not address:
        raise ValidationFailed(_("Some fields are not valid."), fields={"to": [_("Your account has no email address.")]})
    rendered = content_services.template_preview(template_id=_template(template_id).pk, contact_id=contact_id)
    return delivery_services.email_send(
        to=address, subject=_("[Test] %(subject)s") % {"subject": rendered.subject}, html=rendered.html, text=rendered.text,
        kind=OutboundEmail.Kind.TRANSACTIONAL, idempotency_key=f"test-template:{template_id}:{uuid.uuid4().hex}",
    )
