"""/api/v1/audiences: retargeting audiences (CRUD), export now, the latest export's figures,
and the fetch URL (make a new one, switch it off)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound
from sarnakh.segments.audiences import selectors, services

router = Router(tags=["audiences"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}

Identifier = Literal["email", "phone", "name", "location"]
IDENTIFIERS_HELP = ("Which identifiers go in the file (hashed as the platform specifies): `email`, `phone`, `name` "
                    "(first and last), `location` (country; Meta also city; Google gets an empty Zip). "
                    "At least `email` or `phone`.")


class AudienceIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    segment_id: DbId = Field(..., description="The segment or static list whose stored members are exported.")
    name: str = Field(..., description="A label for people (1–200 characters).")
    platform: Literal["google", "meta"] = Field(..., description="`google`: Customer Match CSV; `meta`: Custom Audience CSV.")
    identifiers: list[Identifier] = Field(["email", "phone"], max_length=4, description=IDENTIFIERS_HELP)
    schedule: Literal["manual", "daily", "weekly"] = Field("manual", description="Re-export on its own daily or weekly, or only when asked.")
    fetch_url: bool = Field(True, description="Make a fetch URL (public, tokenised) the ad platform can read the latest file from.")


class AudiencePatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    platform: Literal["google", "meta"] | None = None
    identifiers: list[Identifier] | None = Field(None, max_length=4, description=IDENTIFIERS_HELP)
    schedule: Literal["manual", "daily", "weekly"] | None = None


class AudienceExportOut(Schema):
    id: int
    status: str = Field(..., description="`queued`, `running`, `done` or `failed`.")
    trigger: str = Field(..., description="`manual`, `schedule`, `api` or `cli`.")
    queued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    members: int = Field(..., description="Members read.")
    exported: int = Field(..., description="Rows written.")
    excluded: dict[str, int] = Field(..., description="Members left out, by reason: `gone`, `unsubscribed`, `no_consent`, "
                                     "`no_email_or_phone`, `invalid_email`, `invalid_phone`.")
    size_bytes: int
    has_file: bool
    error: str


class AudienceOut(Schema):
    id: int
    segment_id: int
    name: str
    platform: str
    identifiers: list[str]
    schedule: str
    fetch_url: str = Field(..., description="Where the ad platform fetches the latest file (no login); empty when switched off.")
    latest_export: AudienceExportOut | None = Field(..., description="The newest finished export with a file.")
    created_at: dt.datetime
    updated_at: dt.datetime


def _export(export) -> dict | None:
    if export is None:
        return None
    return {
        "id": export.pk, "status": export.status, "trigger": export.trigger, "queued_at": export.queued_at,
        "started_at": export.started_at, "finished_at": export.finished_at, "members": export.members,
        "exported": export.exported, "excluded": export.excluded, "size_bytes": export.size_bytes,
        "has_file": bool(export.file_name), "error": export.error,
    }


def _audience(audience) -> dict:
    return {
        "id": audience.pk, "segment_id": audience.segment_id, "name": audience.name, "platform": audience.platform,
        "identifiers": list(audience.identifiers), "schedule": audience.schedule, "fetch_url": selectors.feed_url(audience),
        "latest_export": _export(selectors.latest_export(audience.pk)), "created_at": audience.created_at,
        "updated_at": audience.updated_at,
    }


def _get(audience_id: int):
    audience = selectors.audience_get(audience_id)
    if audience is None:
        raise NotFound(_("No audience with the id %(id)s.") % {"id": audience_id})
    return audience


@router.get("", response={200: list[AudienceOut], **ERRORS}, summary="List audiences")
def list_audiences(request, segment_id: DbId | None = None):
    rows = selectors.audience_list() if segment_id is None else selectors.audiences_of_segment(segment_id)
    return [_audience(a) for a in rows]


@router.post("", auth=write_auth, response={201: AudienceOut, **ERRORS}, summary="Add an audience to a segment")
def create_audience(request, payload: AudienceIn):
    audience = services.audience_create(segment_id=payload.segment_id, name=payload.name, platform=payload.platform,
                                        identifiers=list(payload.identifiers), schedule=payload.schedule,
                                        fetch_url=payload.fetch_url)
    return Status(201, _audience(audience))


@router.get("/{int:audience_id}", response={200: AudienceOut, **ERRORS}, summary="One audience")
def get_audience(request, audience_id: DbId):
    return _audience(_get(audience_id))


@router.patch("/{int:audience_id}", auth=write_auth, response={200: AudienceOut, **ERRORS}, summary="Change an audience",
              description="Only the fields sent change; the next export uses them.")
def update_audience(request, audience_id: DbId, payload: AudiencePatch):
    return _audience(services.audience_update(
        audience_id=audience_id, name=payload.name, platform=payload.platform,
        identifiers=None if payload.identifiers is None else list(payload.identifiers), schedule=payload.schedule,
    ))


@router.delete("/{int:audience_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete an audience",
               description="With its exports' records and files; its fetch URL answers 404.")
def delete_audience(request, audience_id: DbId):
    services.audience_delete(audience_id=audience_id)
    return HttpResponse(status=204)


@router.post("/{int:audience_id}/export", auth=write_auth, response={202: AudienceExportOut, **ERRORS},
             summary="Export an audience now",
             description="Queues the export for a worker (an export already queued or running is returned instead). "
                         "Read its figures from `GET /{id}/exports/latest` or the audience's `latest_export`.")
def export_audience(request, audience_id: DbId):
    _get(audience_id)
    return Status(202, _export(services.export_queue(audience_id=audience_id, trigger="api")))


@router.get("/{int:audience_id}/exports/latest", response={200: AudienceExportOut, **ERRORS},
            summary="The latest export of an audience",
            description="The newest export whatever its status (queued, running, done, failed); 404 when there is none.")
def latest_audience_export(request, audience_id: DbId):
    _get(audience_id)
    export = selectors.last_attempt(audience_id)
    if export is None:
        raise NotFound(_("This audience has not been exported yet."))
    return _export(export)


@router.post("/{int:audience_id}/fetch-url", auth=write_auth, response={200: AudienceOut, **ERRORS},
             summary="Make a new fetch URL", description="The old URL answers 404 from now on.")
def regenerate_audience_fetch_url(request, audience_id: DbId):
    return _audience(services.audience_regenerate_token(audience_id=audience_id))


@router.delete("/{int:audience_id}/fetch-url", auth=write_auth, response={200: AudienceOut, **ERRORS},
               summary="Switch the fetch URL off", description="Its address answers 404 until a new URL is made.")
def revoke_audience_fetch_url(request, audience_id: DbId):
    return _audience(services.audience_revoke_token(audience_id=audience_id))
