"""/api/v1/suppressions (the suppression list: cursor pages, add, delete, CSV import) and
/api/v1/subscriptions/contacts/{id} (a contact's topics, suppression and lawful basis)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict

from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.cursors import decode_id_cursor, encode_id_cursor
from sarnakh.core.errors import NotFound, PayloadTooLarge, ValidationFailed
from sarnakh.mail.subscriptions import selectors, services

router = Router(tags=["suppressions"])
subscriptions_router = Router(tags=["suppressions"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
Reason = Literal["unsubscribed_all", "hard_bounce", "complaint", "invalid", "manual"]
PageLimit = Annotated[int, Field(ge=1, le=500)]


class SuppressionIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    address: str = Field(..., description="The email address (stored trimmed and lower-cased).")
    reason: Reason = Field("manual", description="Why it is suppressed.")
    source: str = Field("", description="Where it came from (a note for people).")


class SuppressionOut(Schema):
    id: int
    address: str
    reason: str
    source: str
    created_at: dt.datetime


class SuppressionPage(Schema):
    items: list[SuppressionOut]
    next_cursor: str | None
    counts: dict[str, int] = Field(..., description="Suppressed addresses by reason (the whole list).")


class BadRowOut(Schema):
    row: int
    value: str
    problem: str


class SuppressionImportOut(Schema):
    added: int
    already: int = Field(..., description="Rows whose address was already suppressed for this reason (or repeated).")
    bad_count: int
    bad_rows: list[BadRowOut] = Field(..., description="The first 100 rows that were not an address.")


class TopicStatusOut(Schema):
    key: str
    name: str
    subscribed: bool


class ContactSubscriptionsOut(Schema):
    contact_id: int
    email: str
    consent: str
    marketing_allowed: bool = Field(..., description="May get marketing email (no topic).")
    reason: str = Field(..., description="consent or legitimate_interest when allowed; else no_address, hard_bounce, "
                                         "complaint, invalid, unsubscribed_all, manual or no_consent.")
    suppressions: list[str] = Field(..., description="Reasons the address is suppressed for.")
    topics: list[TopicStatusOut]


def _row(s) -> dict:
    return {"id": s.pk, "address": s.address, "reason": s.reason, "source": s.source, "created_at": s.created_at}


@router.get("", response={200: SuppressionPage, **ERRORS}, summary="The suppression list",
            description="Newest first; `q` finds addresses containing it, `reason` one reason; `limit` 1–500 (100); "
                        "follow `next_cursor`.")
def list_suppressions(request, q: str = "", reason: Reason | None = None, cursor: str | None = None, limit: PageLimit = 100):
    rows, next_id = selectors.suppression_page(query=q[:254], reason=reason or "", after_id=decode_id_cursor(cursor), limit=limit)
    return {"items": [_row(r) for r in rows], "next_cursor": encode_id_cursor(next_id), "counts": selectors.suppression_counts()}


@router.post("", auth=write_auth, response={200: SuppressionOut, 201: SuppressionOut, **ERRORS},
             summary="Suppress an address", description="201 when added; 200 when it was already suppressed for this reason.")
def add_suppression(request, payload: SuppressionIn):
    row, created = services.suppression_add(address=payload.address, reason=payload.reason, source=payload.source,
                                            actor=Actor.for_api_key(request.auth))
    return Status(201 if created else 200, _row(row))


@router.post("/import", auth=write_auth, response={200: SuppressionImportOut, **ERRORS},
             summary="Import a suppression list (CSV)",
             description="Multipart: `file`, a CSV with an email column (at most 5 MB and 100,000 rows), and `reason` "
                         "(manual by default). Rows that are not an address are skipped and reported.")
def import_suppressions(request, file: File[UploadedFile] = None, reason: Form[str] = "manual"):
    if file is None:
        raise ValidationFailed(_("Send the CSV file as `file`."), fields={"file": [_("This field is required.")]})
    if file.size > services.MAX_IMPORT_BYTES:
        raise PayloadTooLarge(_("The file is larger than %(size)s MB.") % {"size": services.MAX_IMPORT_BYTES // (1024 * 1024)})
    result = services.suppression_import_csv(data=file.read(), reason=reason, source=f"API import: {file.name[:200]}",
                                             actor=Actor.for_api_key(request.auth))
    return {"added": result.added, "already": result.already, "bad_count": result.bad_count,
            "bad_rows": [{"row": r, "value": v, "problem": p} for r, v, p in result.bad_rows]}


@router.delete("/{int:suppression_id}", auth=write_auth, response={204: None, **ERRORS},
               summary="Remove an address from the suppression list",
               description="`why` (query, required): why the address may be emailed again, kept with the removal.")
def delete_suppression(request, suppression_id: DbId, why: str = ""):
    services.suppression_remove(suppression_id=suppression_id, why=why[:500], actor=Actor.for_api_key(request.auth))
    return Status(204, None)


@subscriptions_router.get("/contacts/{int:contact_id}", response={200: ContactSubscriptionsOut, **ERRORS},
                          summary="A contact's subscriptions",
                          description="Topic statuses, suppression reasons of its address and the lawful basis for marketing email.")
def contact_subscriptions(request, contact_id: DbId):
    found = selectors.contact_subscriptions(contact_id)
    if found is None:
        raise NotFound(_("Contact not found."))
    return found
