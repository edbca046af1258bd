"""/api/v1/companies: CRUD, list, contacts of a company, notes."""

from __future__ import annotations

import binascii

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Status

from sarnakh.contacts import company_services, selectors, services
from sarnakh.contacts.schemas import (
    CompanyIn,
    CompanyOut,
    CompanyPage,
    ContactPage,
    NoteIn,
    NoteOut,
)
from sarnakh.contacts.serializers import company_to_dict, contact_to_dict, note_to_dict
from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId
from sarnakh.core.cursors import decode_cursor, encode_cursor
from sarnakh.core.errors import NotFound, ValidationFailed

router = Router(tags=["companies"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _after(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        return int(decode_cursor(cursor)[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Use the next_cursor of a previous page.")]}) from None


def _limit(limit: int) -> int:
    if not 1 <= limit <= 200:
        raise ValidationFailed(_("Limit must be between 1 and 200."), fields={"limit": [_("Use 1 to 200.")]})
    return limit


def _company(company_id: int):
    company = selectors.company_queryset().filter(pk=company_id).first()
    if company is None:
        raise NotFound(_("Company not found."))
    return company


@router.get("", response={200: CompanyPage, **ERRORS}, summary="List and search companies")
def list_companies(request, q: str = "", domain: str = "", cursor: str | None = None, limit: int = 50):
    limit = _limit(limit)
    qs = selectors.company_queryset(q=q, domain=domain).order_by("-id")
    after = _after(cursor)
    if after is not None:
        qs = qs.filter(id__lt=after)
    rows = list(qs[: limit + 1])
    next_cursor = encode_cursor(rows[limit - 1].pk) if len(rows) > limit else None
    return {"items": [company_to_dict(c) for c in rows[:limit]], "next_cursor": next_cursor}


@router.post("", auth=write_auth, response={201: CompanyOut, **ERRORS}, summary="Create a company")
def create_company(request, payload: CompanyIn):
    company = company_services.company_create(data=payload.dict(exclude_unset=True), actor=_actor(request))
    return Status(201, company_to_dict(_company(company.pk)))


@router.get("/{int:company_id}", response={200: CompanyOut, **ERRORS}, summary="Get a company")
def get_company(request, company_id: DbId):
    return company_to_dict(_company(company_id))


@router.patch("/{int:company_id}", auth=write_auth, response={200: CompanyOut, **ERRORS}, summary="Update a company")
def update_company(request, company_id: DbId, payload: CompanyIn):
    company_services.company_update(company_id=company_id, data=payload.dict(exclude_unset=True), actor=_actor(request))
    return company_to_dict(_company(company_id))


@router.delete("/{int:company_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a company (its contacts stay)")
def delete_company(request, company_id: DbId):
    company_services.company_delete(company_id=company_id, actor=_actor(request))
    return HttpResponse(status=204)


@router.get("/{int:company_id}/contacts", response={200: ContactPage, **ERRORS}, summary="Contacts of a company")
def company_contacts(request, company_id: DbId, cursor: str | None = None, limit: int = 50):
    _company(company_id)
    limit = _limit(limit)
    filters = selectors.ContactFilters(company=company_id)
    rows, next_id = selectors.contact_page_by_cursor(filters, after_id=_after(cursor), limit=limit)
    return {
        "items": [contact_to_dict(c) for c in rows],
        "next_cursor": encode_cursor(next_id) if next_id else None,
        "total": selectors.contact_count(filters),
    }


@router.get("/{int:company_id}/notes", response={200: list[NoteOut], **ERRORS}, summary="Notes on a company")
def list_notes(request, company_id: DbId):
    _company(company_id)
    return [
        note_to_dict(n)
        for n in selectors.company_notes(company_id)
    ]


@router.post("/{int:company_id}/notes", auth=write_auth, response={201: NoteOut, **ERRORS}, summary="Add a note to a company")
def add_note(request, company_id: DbId, payload: NoteIn):
    note = services.note_add(company_id=company_id, body=payload.body, actor=_actor(request))
    return Status(201, note_to_dict(note))
