"""/api/v1/contacts: CRUD, upsert, search, timeline, stages, merge, notes, bulk."""

from __future__ import annotations

import binascii
import datetime as dt

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from sarnakh.contacts import merge, selectors, services
from sarnakh.contacts.bulk import services as bulk
from sarnakh.contacts.schemas import (
    ActivityOut,
    BulkIn,
    BulkOut,
    ContactFilterQuery,
    ContactIn,
    ContactOut,
    ContactPage,
    MergeIn,
    NoteIn,
    NoteOut,
    StageChangeIn,
    StageChangeOut,
    TimelinePage,
    UpsertOut,
    contact_filters_from,
)
from sarnakh.contacts.serializers import (
    activity_to_dict,
    contact_to_dict,
    note_to_dict,
    stage_change_to_dict,
)
from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId
from sarnakh.core.cursors import decode_cursor, encode_cursor
from sarnakh.core.errors import NotFound, ValidationFailed

router = Router(tags=["contacts"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}


def _actor(request) -> Actor:
    return Actor.for_api_key(request.api_key)


def _reload(contact_id: int):
    contact = selectors.contact_get(contact_id)
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def _live_or_redirect(request, contact_id: int, url_name: str = "contact_get"):
    """(live id, None), or (survivor id, 308 to the same resource of the survivor) for a
    contact that was merged away."""
    live_id, redirected = selectors.resolve_contact_id(contact_id)
    if live_id is None:
        raise NotFound(_("Contact not found."))
    if redirected:
        url = reverse(f"api:{url_name}", kwargs={"contact_id": live_id})
        if request.META.get("QUERY_STRING"):
            url += "?" + request.META["QUERY_STRING"]
        return live_id, HttpResponseRedirect(url, status=308)
    return live_id, None


def _upsert_answer(result):
    body = {
        "created": result.created,
        "matched_on": result.matched_on or None,
        "ignored_fields": result.ignored,
        "contact": contact_to_dict(result.contact),
    }
    return Status(201 if result.created else 200, body)


class ListFilters(ContactFilterQuery):
    cursor: str | None = None
    limit: int = 50


@router.get("", response={200: ContactPage, **ERRORS}, summary="List and search contacts")
def list_contacts(request, filters: Query[ListFilters]):
    """Newest first. `q` searches names, email, phone and company like the UI does
    (insensitive to Persian/Arabic letter variants and digits). Follow `next_cursor`;
    `total` counts every match over all pages."""
    if not 1 <= filters.limit <= 200:
        raise ValidationFailed(_("Limit must be between 1 and 200."), fields={"limit": [_("Use 1 to 200.")]})
    after_id = None
    if filters.cursor:
        try:
            after_id = int(decode_cursor(filters.cursor)[0])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Use the next_cursor of a previous page.")]}) from None
    contact_filters = contact_filters_from(filters)
    rows, next_id = selectors.contact_page_by_cursor(contact_filters, after_id=after_id, limit=filters.limit)
    return {
        "items": [contact_to_dict(c) for c in rows],
        "next_cursor": encode_cursor(next_id) if next_id else None,
        "total": selectors.contact_count(contact_filters),
    }


@router.post("", auth=write_auth, response={200: UpsertOut, 201: UpsertOut, **ERRORS}, summary="Create a contact (or update the matching one)")
def create_contact(request, payload: ContactIn):
    """A contact whose normalised email (then phone) matches an existing one updates it
    instead of creating a duplicate: the answer is 200 with `created: false` and `matched_on`."""
    result = services.contact_upsert(data=payload.dict(exclude_unset=True), actor=_actor(request))
    return _upsert_answer(result)


@router.put("/upsert", auth=write_auth, response={200: UpsertOut, 201: UpsertOut, **ERRORS}, summary="Upsert by email or phone")
def upsert_contact(request, payload: ContactIn):
    data = payload.dict(exclude_unset=True)
    if not data.get("email") and not data.get("phone"):
        raise ValidationFailed(_("Upsert needs an email or a phone."), fields={"email": [_("Give an email or a phone.")]})
    return _upsert_answer(services.contact_upsert(data=data, actor=_actor(request)))


@router.post("/merge", auth=write_auth, response={200: ContactOut, **ERRORS}, summary="Merge two contacts")
def merge_contacts(request, payload: MergeIn):
    """The survivor keeps both histories; for conflicting values the newer non-empty value
    wins unless `choices` names a side per field. The loser's id then redirects (308)."""
    survivor = merge.contact_merge(survivor_id=payload.survivor_id, loser_id=payload.loser_id, actor=_actor(request), choices=payload.choices)
    return contact_to_dict(_reload(survivor.pk))


@router.post("/bulk", auth=write_auth, response={200: BulkOut, **ERRORS}, summary="Bulk change owner, add a tag or move stage")
def bulk_contacts(request, payload: BulkIn):
    actor = _actor(request)
    if payload.action == "set_owner":
        return {"changed": bulk.contacts_set_owner(contact_ids=payload.ids, owner_id=payload.owner, actor=actor)}
    if payload.action == "add_tag":
        return {"changed": bulk.contacts_add_tag(contact_ids=payload.ids, tag=payload.tag or "", actor=actor)}
    if payload.action == "change_stage":
        moved, skipped = bulk.contacts_move_forward(contact_ids=payload.ids, stage_key=payload.stage or "", actor=actor)
        return {"changed": moved, "skipped": skipped}
    raise ValidationFailed(_("Unknown action."), fields={"action": [_("Use set_owner, add_tag or change_stage.")]})


@router.get("/{int:contact_id}", response={200: ContactOut, 308: None, **ERRORS}, url_name="contact_get", summary="Get a contact")
def get_contact(request, contact_id: DbId):
    live_id, redirect = _live_or_redirect(request, contact_id)
    if redirect:
        return redirect
    return contact_to_dict(_reload(live_id))


@router.patch("/{int:contact_id}", auth=write_auth, response={200: ContactOut, **ERRORS}, summary="Update a contact")
def update_contact(request, contact_id: DbId, payload: ContactIn):
    contact = services.contact_update(contact_id=contact_id, data=payload.dict(exclude_unset=True), actor=_actor(request))
    return contact_to_dict(_reload(contact.pk))


@router.delete("/{int:contact_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a contact")
def delete_contact(request, contact_id: DbId):
    services.contact_delete(contact_id=contact_id, actor=_actor(request))
    return HttpResponse(status=204)


@router.get(
    "/{int:contact_id}/timeline", response={200: TimelinePage, 308: None, **ERRORS}, url_name="contact_timeline",
    summary="A contact's timeline, newest first",
)
def contact_timeline(request, contact_id: DbId, cursor: str | None = None, limit: int = 50):
    live_id, redirect = _live_or_redirect(request, contact_id, "contact_timeline")
    if redirect:
        return redirect
    if not 1 <= limit <= 200:
        raise ValidationFailed(_("Limit must be between 1 and 200."), fields={"limit": [_("Use 1 to 200.")]})
    before = None
    if cursor:
        try:
            at_text, row_id = decode_cursor(cursor)
            before = (dt.datetime.fromisoformat(at_text), int(row_id))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed(_("Invalid cursor."), fields={"cursor": [_("Use the next_cursor of a previous page.")]}) from None
    rows, next_key = selectors.contact_timeline(live_id, before=before, limit=limit)
    return {
        "items": [activity_to_dict(a) for a in rows],
        "next_cursor": encode_cursor(next_key[0].isoformat(), next_key[1]) if next_key else None,
    }


@router.get(
    "/{int:contact_id}/stages", response={200: list[StageChangeOut], 308: None, **ERRORS}, url_name="contact_stages",
    summary="Stage history, newest first",
)
def contact_stage_history(request, contact_id: DbId):
    live_id, redirect = _live_or_redirect(request, contact_id, "contact_stages")
    if redirect:
        return redirect
    return [stage_change_to_dict(c) for c in selectors.contact_stage_history(live_id)]


@router.post("/{int:contact_id}/stage", auth=write_auth, response={200: StageChangeOut, **ERRORS}, summary="Change lifecycle stage")
def change_stage(request, contact_id: DbId, payload: StageChangeIn):
    """Forward moves need nothing more; backward moves and moves to recycled, disqualified
    or cold need a `reason` (422 without one). Each move is stored as a history row."""
    change = services.contact_change_stage(contact_id=contact_id, stage_key=payload.stage, reason=payload.reason, actor=_actor(request))
    return stage_change_to_dict(change)


@router.get("/{int:contact_id}/notes", response={200: list[NoteOut], 308: None, **ERRORS}, url_name="contact_notes", summary="Notes on a contact")
def list_notes(request, contact_id: DbId):
    live_id, redirect = _live_or_redirect(request, contact_id, "contact_notes")
    if redirect:
        return redirect
    return [
        note_to_dict(n)
        for n in selectors.contact_notes(live_id)
    ]


@router.post("/{int:contact_id}/notes", auth=write_auth, response={201: NoteOut, **ERRORS}, summary="Add a note")
def add_note(request, contact_id: DbId, payload: NoteIn):
    note = services.note_add(contact_id=contact_id, body=payload.body, actor=_actor(request))
    return Status(201, note_to_dict(note))


__all__ = ["router", "ActivityOut"]
