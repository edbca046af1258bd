"""/api/v1/stages and /api/v1/properties: the definitions admins manage."""

from __future__ import annotations

from django.http import HttpResponse
from ninja import Router, Status

from sarnakh.contacts import selectors, settings_services
from sarnakh.contacts.schemas import (
    PropertyIn,
    PropertyOut,
    PropertyPatch,
    StageIn,
    StageOut,
    StagePatch,
)
from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId

router = Router(tags=["definitions"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _stage(stage) -> dict:
    return {
        "key": stage.key, "name": stage.display_name, "name_en": stage.label_in("en"), "name_fa": stage.label_in("fa"),
        "order": stage.order, "funnel": stage.funnel, "kind": stage.kind,
    }


def _property(d) -> dict:
    return {"id": d.pk, "object_type": d.object_type, "key": d.key, "label": d.label, "type": d.type, "choices": d.choices, "help_text": d.help_text}


@router.get("/stages", response={200: list[StageOut], **ERRORS}, summary="Lifecycle stages in funnel order")
def list_stages(request):
    return [_stage(s) for s in selectors.stage_list()]


@router.post("/stages", auth=write_auth, response={201: StageOut, **ERRORS}, summary="Add a lifecycle stage")
def create_stage(request, payload: StageIn):
    stage = settings_services.stage_create(
        key=payload.key, name=payload.name, name_fa=payload.name_fa, funnel=payload.funnel, kind=payload.kind, after=payload.after
    )
    return Status(201, _stage(stage))


@router.patch("/stages/{key}", auth=write_auth, response={200: StageOut, **ERRORS}, summary="Rename a stage or move its funnel position")
def update_stage(request, key: str, payload: StagePatch):
    return _stage(settings_services.stage_update(key=key, name=payload.name, name_fa=payload.name_fa, funnel=payload.funnel))


@router.get("/properties", response={200: list[PropertyOut], **ERRORS}, summary="Custom property definitions")
def list_properties(request, object_type: str = ""):
    return [_property(d) for d in selectors.property_definitions(object_type or None)]


@router.post("/properties", auth=write_auth, response={201: PropertyOut, **ERRORS}, summary="Define a custom property")
def create_property(request, payload: PropertyIn):
    definition = settings_services.property_define(
        object_type=payload.object_type, key=payload.key, label=payload.label, type=payload.type, choices=payload.choices, help_text=payload.help_text
    )
    return Status(201, _property(definition))


@router.patch("/properties/{int:definition_id}", auth=write_auth, response={200: PropertyOut, **ERRORS}, summary="Change a property's label, choices or help")
def update_property(request, definition_id: DbId, payload: PropertyPatch):
    return _property(settings_services.property_update(definition_id=definition_id, label=payload.label, choices=payload.choices, help_text=payload.help_text))


@router.delete("/properties/{int:definition_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a property definition")
def delete_property(request, definition_id: DbId):
    settings_services.property_delete(definition_id=definition_id)
    return HttpResponse(status=204)
