"""/api/v1/senders: sender identities, their DKIM key and DNS records, a test email."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound
from sarnakh.mail.delivery import selectors, services

router = Router(tags=["senders"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


class SenderIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    from_address: str = Field(..., description="The From address.")
    from_name: str = Field("", description="The From display name (any script).")
    reply_to: str = Field("", description="Where replies go, when not to the From address.")
    is_default: bool = Field(False, description="Make it the default sender (the first sender always is).")


class SenderDkimIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    selector: str = Field("", description="DNS selector (letters, digits, hyphens); default `sarnakhYYYYMM`.")


class SenderTestIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    to: str = Field(..., description="The address the test message goes to.")


class SenderDnsRecordOut(Schema):
    kind: str = Field(..., description="`DKIM`, `SPF` or `DMARC`")
    name: str
    type: str
    value: str
    placeholder: bool = Field(..., description="The value has a part to fill in (SPF without a configured sending host).")


class SenderOut(Schema):
    id: int
    from_name: str
    from_address: str
    reply_to: str
    is_default: bool
    dkim_domain: str
    dkim_selector: str = Field(..., description="Empty until a key is generated.")
    dns_records: list[SenderDnsRecordOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class SenderTestOut(Schema):
    status: str = Field(..., description="sent, failed_temporary or bounced_hard")
    message_id: str
    error: str


def _sender(sender) -> dict:
    return {
        "id": sender.pk, "from_name": sender.from_name, "from_address": sender.from_address, "reply_to": sender.reply_to,
        "is_default": sender.is_default, "dkim_domain": sender.dkim_domain, "dkim_selector": sender.dkim_selector,
        "dns_records": [r.__dict__ for r in services.sender_dns_records(sender)],
        "created_at": sender.created_at, "updated_at": sender.updated_at,
    }


def _get(sender_id: int):
    sender = selectors.sender_get(sender_id)
    if sender is None:
        raise NotFound(_("No such sender."))
    return sender


@router.get("", response={200: list[SenderOut], **ERRORS}, summary="List senders",
            description="Every sender identity with the DNS records to publish. The private key is never shown.")
def list_senders(request):
    return [_sender(s) for s in selectors.senders()]


@router.post("", auth=write_auth, response={201: SenderOut, **ERRORS}, summary="Add a sender")
def create_sender(request, payload: SenderIn):
    sender = services.sender_create(from_name=payload.from_name, from_address=payload.from_address,
                                    reply_to=payload.reply_to, is_default=payload.is_default)
    return Status(201, _sender(sender))


@router.get("/{int:sender_id}", response={200: SenderOut, **ERRORS}, summary="One sender")
def get_sender(request, sender_id: DbId):
    return _sender(_get(sender_id))


@router.post("/{int:sender_id}/dkim", auth=write_auth, response={200: SenderOut, **ERRORS}, summary="Generate a sender's DKIM key",
             description="A new 2048-bit RSA key replaces any previous one at once: publish the DKIM record it answers before sending.")
def generate_sender_dkim(request, sender_id: DbId, payload: SenderDkimIn):
    _get(sender_id)
    return _sender(services.sender_generate_dkim(sender_id=sender_id, selector=payload.selector))


@router.post("/{int:sender_id}/test", auth=write_auth, response={200: SenderTestOut, **ERRORS}, summary="Send a test email",
             description="Sends a short transactional message from this sender through the configured mail server, now.")
def test_sender(request, sender_id: DbId, payload: SenderTestIn):
    _get(sender_id)
    row = services.email_send_test(to=payload.to, sender_id=sender_id)
    return {"status": row.status, "message_id": row.message_id, "error": row.last_error}
