"""/api/v1/segments: dynamic segments and static lists, their members (cursor pages), counts,
refresh, and the segments one contact is in."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.actor import Actor
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.cursors import decode_id_cursor, encode_id_cursor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.segments import selectors, services

router = Router(tags=["segments"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}

FILTER_HELP = ("The filter language's JSON tree (docs/segments.md), for a dynamic segment; none for a static list. "
               "An invalid tree is refused with 422 naming the node (`filter.conditions[1].op`).")


class SegmentIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(..., description="A label for people (1–200 characters).")
    kind: Literal["dynamic", "static"] = Field("dynamic", description="`dynamic`: members are the contacts the filter "
                                               "matches, kept current; `static`: a list whose members are added by hand.")
    filter: dict[str, Any] | None = Field(None, description=FILTER_HELP)
    description: str = ""


class SegmentPatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    description: str | None = None
    filter: dict[str, Any] | None = Field(None, description="A new filter refreshes the membership at once.")


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    filter: dict[str, Any]
    member_count: int = Field(..., description="Stored members now.")
    last_refreshed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class SegmentRefreshOut(Schema):
    entered: int
    left: int
    member_count: int


class SegmentCountOut(Schema):
    member_count: int = Field(..., description="Stored members.")
    matching_now: int = Field(..., description="Contacts the filter matches at this moment (a static list: its members).")


class SegmentMemberOut(Schema):
    contact_id: int
    entered_at: dt.datetime
    reason: str


class SegmentMemberPage(Schema):
    items: list[SegmentMemberOut]
    next_cursor: str | None


class SegmentMembersIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    contact_ids: list[DbId] = Field(..., max_length=services.MAX_LIST_CHANGE, description="Contact ids (at most 10,000).")


class SegmentMembersChangedOut(Schema):
    changed: int = Field(..., description="How many joined (POST) or left (DELETE); ones already in (or not in) the list are not counted.")
    member_count: int


class SegmentOfContactOut(Schema):
    segment_id: int
    name: str
    kind: str
    entered_at: dt.datetime
    reason: str


def _segment(segment) -> dict:
    return {
        "id": segment.pk, "name": segment.name, "description": segment.description, "kind": segment.kind,
        "filter": segment.filter, "member_count": segment.member_count, "last_refreshed_at": segment.last_refreshed_at,
        "created_at": segment.created_at, "updated_at": segment.updated_at,
    }


def _get(segment_id: int):
    segment = selectors.segment_get(segment_id)
    if segment is None:
        raise NotFound(_("No segment with the id %(id)s.") % {"id": segment_id})
    return segment




@router.get("", response={200: list[SegmentOut], **ERRORS}, summary="List segments and lists")
def list_segments(request):
    return [_segment(s) for s in selectors.segment_list()]


@router.post("", auth=write_auth, response={201: SegmentOut, **ERRORS}, summary="Add a segment or a static list",
             description="A dynamic segment is filled at once. " + FILTER_HELP)
def create_segment(request, payload: SegmentIn):
    segment = services.segment_create(name=payload.name, kind=payload.kind, filter=payload.filter, description=payload.description)
    return Status(201, _segment(segment))


@router.get("/of-contact/{int:contact_id}", response={200: list[SegmentOfContactOut], **ERRORS},
            summary="The segments and lists a contact is in")
def list_segments_of_contact(request, contact_id: DbId):
    return [{"segment_id": m.segment_id, "name": m.segment.name, "kind": m.segment.kind, "entered_at": m.entered_at,
             "reason": m.reason} for m in selectors.segments_of_contact(contact_id)]


@router.get("/{int:segment_id}", response={200: SegmentOut, **ERRORS}, summary="One segment")
def get_segment(request, segment_id: DbId):
    return _segment(_get(segment_id))


@router.patch("/{int:segment_id}", auth=write_auth, response={200: SegmentOut, **ERRORS}, summary="Change a segment",
              description="Only the fields sent change; a new filter refreshes the membership at once.")
def update_segment(request, segment_id: DbId, payload: SegmentPatch):
    return _segment(services.segment_update(segment_id=segment_id, name=payload.name, description=payload.description,
                                            filter=payload.filter))


@router.delete("/{int:segment_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a segment",
               description="With its members and history; members get no `segment.left` event.")
def delete_segment(request, segment_id: DbId):
    services.segment_delete(segment_id=segment_id)
    return HttpResponse(status=204)


@router.post("/{int:segment_id}/refresh", auth=write_auth, response={200: SegmentRefreshOut, **ERRORS},
             summary="Rebuild a dynamic segment's membership now",
             description="Set-based: who joined and who left, each with a `segment.entered` / `segment.left` event.")
def refresh_segment(request, segment_id: DbId):
    entered, left = services.segment_refresh(segment_id=segment_id)
    return {"entered": entered, "left": left, "member_count": _get(segment_id).member_count}


@router.get("/{int:segment_id}/count", response={200: SegmentCountOut, **ERRORS}, summary="How many members")
def count_segment(request, segment_id: DbId):
    segment = _get(segment_id)
    return {"member_count": selectors.member_count(segment.pk), "matching_now": selectors.live_count(segment)}


@router.get("/{int:segment_id}/members", response={200: SegmentMemberPage, **ERRORS}, summary="A segment's members",
            description="By contact id; `limit` 1–500 (100); follow `next_cursor`.")
def list_segment_members(request, segment_id: DbId, cursor: str | None = None, limit: int = 100):
    _get(segment_id)
    if not 1 <= limit <= 500:
        raise ValidationFailed(_("Limit must be between 1 and 500."), fields={"limit": [_("Use 1 to 500.")]})
    rows, next_id = selectors.member_page(segment_id, after_contact_id=decode_id_cursor(cursor), limit=limit)
    return {"items": [{"contact_id": m.contact_id, "entered_at": m.entered_at, "reason": m.reason} for m in rows],
            "next_cursor": encode_id_cursor(next_id)}


@router.post("/{int:segment_id}/members", auth=write_auth, response={200: SegmentMembersChangedOut, **ERRORS},
             summary="Add contacts to a static list",
             description="Every id must be a live contact (else 422, nothing added); ones already in the list stay as they are.")
def add_segment_members(request, segment_id: DbId, payload: SegmentMembersIn):
    changed = services.list_add(segment_id=segment_id, contact_ids=payload.contact_ids, actor=Actor.for_api_key(request.api_key))
    return {"changed": changed, "member_count": _get(segment_id).member_count}


@router.delete("/{int:segment_id}/members", auth=write_auth, response={200: SegmentMembersChangedOut, **ERRORS},
               summary="Remove contacts from a static list", description="Ids not in the list are ignored.")
def remove_segment_members(request, segment_id: DbId, payload: SegmentMembersIn):
    changed = services.list_remove(segment_id=segment_id, contact_ids=payload.contact_ids, actor=Actor.for_api_key(request.api_key))
    return {"changed": changed, "member_count": _get(segment_id).member_count}
