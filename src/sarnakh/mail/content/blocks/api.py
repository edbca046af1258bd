"""/api/v1/email-saved-blocks: saved blocks of the block editor (a testimonial, a case-study
card…), which templates refer to by id and render with their current content."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound
from sarnakh.mail.content.blocks import selectors, services

router = Router(tags=["email templates"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 413: ErrorOut, 422: ErrorOut}
BLOCKS_HELP = ("The blocks (heading, text, image, button, columns, divider, spacer; no saved block inside a saved "
               "block), as in a template's block document; errors name the block's path, e.g. `blocks[1].href`.")


class EmailSavedBlockIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(..., description="A label for people (1–200 characters).")
    blocks: list[dict[str, Any]] = Field(..., description=BLOCKS_HELP)


class EmailSavedBlockPatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    blocks: list[dict[str, Any]] | None = Field(None, description="New content: every template using the block is "
                                                                  "re-made with it.")


class EmailSavedBlockOut(Schema):
    id: int
    name: str
    blocks: list[dict[str, Any]]
    used_by: int = Field(..., description="How many templates use it.")
    created_at: dt.datetime
    updated_at: dt.datetime


def _out(saved, counts: dict[int, int] | None = None) -> dict:
    counts = selectors.saved_block_use_counts() if counts is None else counts
    return {"id": saved.pk, "name": saved.name, "blocks": saved.blocks, "used_by": counts.get(saved.pk, 0),
            "created_at": saved.created_at, "updated_at": saved.updated_at}


def _get(saved_block_id: int):
    saved = selectors.saved_block_get(saved_block_id)
    if saved is None:
        raise NotFound(_("No saved block with the id %(id)s.") % {"id": saved_block_id})
    return saved


@router.get("", response={200: list[EmailSavedBlockOut], **ERRORS}, summary="List saved blocks")
def list_email_saved_blocks(request):
    counts = selectors.saved_block_use_counts()
    return [_out(s, counts) for s in selectors.saved_block_list()]


@router.post("", auth=write_auth, response={201: EmailSavedBlockOut, **ERRORS}, summary="Add a saved block")
def create_email_saved_block(request, payload: EmailSavedBlockIn):
    return Status(201, _out(services.saved_block_create(name=payload.name, blocks=payload.blocks)))


@router.get("/{int:saved_block_id}", response={200: EmailSavedBlockOut, **ERRORS}, summary="One saved block")
def get_email_saved_block(request, saved_block_id: DbId):
    return _out(_get(saved_block_id))


@router.patch("/{int:saved_block_id}", auth=write_auth, response={200: EmailSavedBlockOut, **ERRORS},
              summary="Change a saved block",
              description="Only the fields sent change. New content re-makes every template that uses the block.")
def update_email_saved_block(request, saved_block_id: DbId, payload: EmailSavedBlockPatch):
    return _out(services.saved_block_update(saved_block_id=saved_block_id, name=payload.name, blocks=payload.blocks))


@router.delete("/{int:saved_block_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a saved block",
               description="Refused (409) while a template uses it.")
def delete_email_saved_block(request, saved_block_id: DbId):
    services.saved_block_delete(saved_block_id=saved_block_id)
    return HttpResponse(status=204)
