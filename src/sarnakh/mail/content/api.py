"""/api/v1/email-templates: email templates (CRUD) and a preview as a chosen contact."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound
from sarnakh.mail.content import selectors, services

router = Router(tags=["email templates"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut, 422: ErrorOut}

TEXT_HELP = ("Template text: `{{ contact.first_name | default(\"friend\") }}`; variables `contact` (first_name, "
             "last_name, email, phone, job_title, city, country, properties.<key>), `company` (name, domain, "
             "industry, properties.<key>), `owner` (name, email) and `data` (the preview's or sender's data). "
             "Checked when saved: syntax, and only known variables (the error names the line).")
BLOCKS_HELP = ("A block document made with the block editor: `{\"version\": 1, \"blocks\": [...]}` with blocks of "
               "type heading, text, image, button, columns, divider, spacer and saved (a saved block by id); "
               "the HTML body is generated from it. Errors are reported under the block's path, e.g. "
               "`blocks[2].columns[1][0].href` (docs/email.md, Block editor).")


class EmailTemplateIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str = Field(..., description="A label for people (1–200 characters).")
    subject: str = Field(..., description=TEXT_HELP)
    preheader: str = Field("", description="The preview line inboxes show after the subject (template text).")
    html: str = Field("", description="The HTML body (template text); <style> rules are inlined when rendered. "
                                      "Required unless `blocks` is given (then it is generated and this is ignored).")
    language: Literal["en", "fa"] = Field("en", description="`fa`: right-to-left layout and a Persian font stack.")
    topic: str = Field("", description="A subscription topic's key (lower-case slug), or empty.")
    kind: Literal["marketing", "transactional"] = Field("marketing")
    blocks: dict[str, Any] | None = Field(None, description=BLOCKS_HELP)


class EmailTemplatePatch(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    name: str | None = None
    subject: str | None = None
    preheader: str | None = None
    html: str | None = None
    language: Literal["en", "fa"] | None = None
    topic: str | None = None
    kind: Literal["marketing", "transactional"] | None = None
    blocks: dict[str, Any] | None = Field(None, description="New blocks (the HTML is re-made from them); `null` "
                                                            "turns a block template into an HTML one for good.")


class EmailTemplateOut(Schema):
    id: int
    name: str
    subject: str
    preheader: str
    html: str
    language: str
    topic: str
    kind: str
    blocks: dict[str, Any] | None = Field(None, description="The block document; null for a template written as HTML.")
    created_at: dt.datetime
    updated_at: dt.datetime


class EmailTemplatePreviewIn(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")

    contact_id: DbId | None = Field(None, description="The contact to render for; none: the first contact.")
    data: dict[str, Any] = Field(default_factory=dict, description="Values the template reads as `data.<name>`.")


class EmailTemplatePreviewOut(Schema):
    subject: str
    preheader: str
    html: str = Field(..., description="The whole document, CSS inlined, the preheader hidden first in the body.")
    text: str = Field(..., description="The plain-text part made from the HTML.")


def _out(template) -> dict:
    return {field: getattr(template, field) for field in
            ("id", "name", "subject", "preheader", "html", "language", "topic", "kind", "blocks", "created_at",
             "updated_at")}


def _get(template_id: int):
    template = selectors.template_get(template_id)
    if template is None:
        raise NotFound(_("No email template with the id %(id)s.") % {"id": template_id})
    return template


@router.get("", response={200: list[EmailTemplateOut], **ERRORS}, summary="List email templates")
def list_email_templates(request):
    return [_out(t) for t in selectors.template_list()]


@router.post("", auth=write_auth, response={201: EmailTemplateOut, **ERRORS}, summary="Add an email template")
def create_email_template(request, payload: EmailTemplateIn):
    return Status(201, _out(services.template_create(**payload.model_dump())))


@router.get("/{int:template_id}", response={200: EmailTemplateOut, **ERRORS}, summary="One email template")
def get_email_template(request, template_id: DbId):
    return _out(_get(template_id))


@router.patch("/{int:template_id}", auth=write_auth, response={200: EmailTemplateOut, **ERRORS},
              summary="Change an email template", description="Only the fields sent change.")
def update_email_template(request, template_id: DbId, payload: EmailTemplatePatch):
    changes = payload.model_dump(exclude={"blocks"})
    if "blocks" in payload.model_fields_set:
        changes["blocks"] = payload.blocks
    return _out(services.template_update(template_id=template_id, **changes))


@router.delete("/{int:template_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete an email template")
def delete_email_template(request, template_id: DbId):
    services.template_delete(template_id=template_id)
    return HttpResponse(status=204)


@router.post("/{int:template_id}/preview", auth=write_auth, response={200: EmailTemplatePreviewOut, **ERRORS},
             summary="Preview an email template as a contact",
             description="Renders subject, preheader, HTML (CSS inlined) and the plain-text part for a contact "
                         "and the given data; missing values render as nothing or their fallback.")
def preview_email_template(request, template_id: DbId, payload: EmailTemplatePreviewIn):
    rendered = services.template_preview(template_id=template_id, contact_id=payload.contact_id, data=payload.data)
    return {"subject": rendered.subject, "preheader": rendered.preheader, "html": rendered.html, "text": rendered.text}
