"""/api/v1/emails: send one template to one contact now (transactional or marketing, as
the template says), and read a sent message's status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.mail.delivery import selectors as delivery_selectors
from sarnakh.mail.transactional import services

router = Router(tags=["emails"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}

_IDEMPOTENCY_HEADER = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "description": "One per message, the same for its retries: a repeat answers with the first message and sends nothing. "
                   "The body's `idempotency_key` is used when the header is absent; one of the two is required.",
    "schema": {"type": "string", "minLength": 1, "maxLength": services.MAX_CALLER_KEY},
}


class EmailSendIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    template_id: DbId = Field(..., description="The email template to send.")
    contact_id: DbId = Field(..., description="The contact it goes to (their email address).")
    data: dict[str, Any] = Field(default_factory=dict, description="Values the template reads as `data.<name>` (≤ 50,000 characters).")
    sender_id: DbId | None = Field(None, description="A sender identity; default: the default sender.")
    idempotency_key: str = Field("", description="Alternative to the Idempotency-Key header.")


class EmailOut(Schema):
    id: int
    status: str = Field(..., description="queued, sent, failed_temporary (retry with the same key) or bounced_hard")
    kind: str = Field(..., description="marketing or transactional (the template's kind)")
    contact_id: int | None
    to: str
    subject: str
    message_id: str
    error: str = Field(..., description="The mail server's answer when it was not sent.")
    created_at: dt.datetime
    sent_at: dt.datetime | None


def _out(row) -> dict:
    return {"id": row.pk, "status": row.status, "kind": row.kind, "contact_id": row.contact_id, "to": row.to_address,
            "subject": row.subject, "message_id": row.message_id, "error": row.last_error, "created_at": row.created_at,
            "sent_at": row.sent_at}


@router.post("/send", auth=write_auth, response={200: EmailOut, **ERRORS}, summary="Send a template to a contact",
             openapi_extra={"parameters": [_IDEMPOTENCY_HEADER]},
             description="Renders the template for the contact with `data` and sends it now through the configured mail "
                         "server; answers when the server accepted or refused it. A transactional template skips topic "
                         "unsubscribes but never goes to a hard-bounced or complaining address; a marketing one needs "
                         "consent (or the legitimate-interest rule) and carries one-click unsubscribe headers. A refused "
                         "address answers 422 with code `send_refused` and the reason code in `fields.reason`.")
def send_email(request, payload: EmailSendIn):
    key = request.headers.get("Idempotency-Key") or payload.idempotency_key
    if not key:
        raise ValidationFailed(_("Some fields are not valid."),
                               fields={"idempotency_key": [_("Send an Idempotency-Key header (one per message).")]})
    row = services.template_send(template_id=payload.template_id, contact_id=payload.contact_id, data=payload.data,
                                 sender_id=payload.sender_id, idempotency_key=key)
    return _out(row)


@router.get("/{int:email_id}", response={200: EmailOut, **ERRORS}, summary="One sent email's status")
def get_email(request, email_id: DbId):
    row = delivery_selectors.outbound_get(email_id)
    if row is None:
        raise NotFound(_("No email with the id %(id)s.") % {"id": email_id})
    return _out(row)
