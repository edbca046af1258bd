"""API input and output shapes. Field names are the same in every endpoint and in the UI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from sarnakh.contacts import selectors
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import ValidationFailed


def _company_ref(value: Any) -> int | str | None:
    if value is None or isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise PydanticCustomError("company_ref", str(_("Give the company's id or name.")))


# One check instead of a union, so an error is reported on `company` itself rather than
# on each member of the union (`company.int`, `company.str`).
CompanyRefIn = Annotated[
    int | str | None,
    PlainValidator(_company_ref),
    WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}),
]


class StrictSchema(InputSchema):
    model_config = ConfigDict(strict=True, extra="forbid")


class ContactIn(StrictSchema):
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company: CompanyRefIn = Field(None, description="Company id, or a name (found or created).")
    job_title: str | None = None
    country: str | None = Field(None, description="ISO 3166 alpha-2")
    city: str | None = None
    language: str | None = None
    time_zone: str | None = Field(None, description="IANA name, e.g. Asia/Tehran")
    stage: str | None = Field(None, description="Lifecycle stage key; backward moves go through POST /contacts/{id}/stage")
    lead_status: str | None = None
    owner: int | None = Field(None, description="User id")
    source_type: str | None = Field(None, description="inbound or outbound")
    channel: str | None = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    referrer: str | None = None
    landing_page: str | None = None
    consent: str | None = Field(None, description="subscribed, unsubscribed or not_asked")
    consent_method: str | None = None
    tags: list[str] | None = None
    properties: dict[str, Any] | None = Field(None, description="Custom properties by key; null removes a value")


class CompanyRef(Schema):
    id: int
    name: str
    domain: str


class UserRef(Schema):
    id: int
    username: str
    name: str


class ContactOut(Schema):
    id: int
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str
    company: CompanyRef | None
    job_title: str
    country: str
    city: str
    language: str
    time_zone: str
    stage: str
    lead_status: str
    owner: UserRef | None
    source_type: str
    channel: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    referrer: str
    landing_page: str
    consent: str
    consent_at: dt.datetime | None
    consent_method: str
    tags: list[str]
    properties: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


class UpsertOut(Schema):
    created: bool
    matched_on: str | None = Field(None, description="email or phone when an existing contact was updated")
    ignored_fields: list[str] = Field(default_factory=list, description="Fields an upsert keeps (first touch, backward stage)")
    contact: ContactOut


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None
    total: int = Field(description="How many contacts match the filters, over all pages (one COUNT with the same filters).")


class ActivityOut(Schema):
    id: int
    kind: str
    occurred_at: dt.datetime
    actor: str
    data: dict[str, Any]


class TimelinePage(Schema):
    items: list[ActivityOut]
    next_cursor: str | None


class StageChangeIn(StrictSchema):
    stage: str
    reason: str = ""


class StageChangeOut(Schema):
    id: int
    from_stage: str
    to_stage: str
    changed_at: dt.datetime
    changed_by: UserRef | None
    source: str
    rule: str
    reason: str
    is_backward: bool


class MergeIn(StrictSchema):
    survivor_id: int
    loser_id: int
    choices: dict[str, str] = Field(default_factory=dict, description="field -> survivor | loser; default: newer non-empty value wins")


class NoteIn(StrictSchema):
    body: str


class NoteOut(Schema):
    id: int
    body: str
    author: UserRef | None
    created_at: dt.datetime


class BulkIn(StrictSchema):
    ids: list[int]
    action: str = Field(description="set_owner, add_tag or change_stage")
    owner: int | None = None
    tag: str | None = None
    stage: str | None = None


class BulkOut(Schema):
    changed: int
    skipped: int = 0


class CompanyIn(StrictSchema):
    name: str | None = None
    domain: str | None = None
    industry: str | None = None
    employee_band: str | None = None
    revenue_band: str | None = None
    country: str | None = None
    properties: dict[str, Any] | None = None


class CompanyOut(Schema):
    id: int
    name: str
    domain: str
    industry: str
    employee_band: str
    revenue_band: str
    country: str
    properties: dict[str, Any]
    contact_count: int | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class CompanyPage(Schema):
    items: list[CompanyOut]
    next_cursor: str | None


class StageIn(StrictSchema):
    key: str
    name: str = Field(description="English name, also shown in languages without a name of their own")
    name_fa: str = Field("", description="Persian name; empty: Persian pages show the English name")
    funnel: str = "mofu"
    kind: str = "funnel"
    after: str | None = Field(None, description="Key of the stage this one follows")


class StagePatch(StrictSchema):
    name: str | None = Field(None, description="English name")
    name_fa: str | None = Field(None, description="Persian name; empty: Persian pages show the English name")
    funnel: str | None = None


class StageOut(Schema):
    key: str = Field(description="Stable identifier; names may change, the key never does")
    name: str = Field(description="The name in the request's language")
    name_en: str = Field(description="The English name")
    name_fa: str = Field(description="The Persian name as Persian pages show it")
    order: int
    funnel: str
    kind: str


class PropertyIn(StrictSchema):
    object_type: str = Field(description="contact or company")
    key: str
    label: str
    type: str = Field(description="text, number, date, boolean, choice, multi_choice")
    choices: list[str] = Field(default_factory=list)
    help_text: str = ""


class PropertyPatch(StrictSchema):
    label: str | None = None
    choices: list[str] | None = None
    help_text: str | None = None


class PropertyOut(Schema):
    id: int
    object_type: str
    key: str
    label: str
    type: str
    choices: list[str]
    help_text: str


class ContactFilterQuery(Schema):
    """The contact filters every list-like endpoint accepts (list, export)."""

    q: str = ""
    email: str = ""
    phone: str = ""
    stage: str = ""
    owner: DbId | None = None
    tag: str = ""
    source_type: str = ""
    channel: str = ""
    company: DbId | None = None
    updated_since: str | None = None



def _parse_moment(text: str) -> dt.datetime | None:
    """An ISO-8601 date-time, or a date meaning its midnight; None when neither."""
    try:
        moment = parse_datetime(text)
        if moment is None and (day := parse_date(text)) is not None:
            moment = dt.datetime.combine(day, dt.time())
    except ValueError:  # well-formed but impossible, e.g. month 13
        return None
    return moment


def contact_filters_from(query: ContactFilterQuery) -> selectors.ContactFilters:
    updated_since = None
    if query.updated_since:
        updated_since = _parse_moment(query.updated_since)
        if updated_since is None:
            raise ValidationFailed(_("Use an ISO-8601 date-time."), fields={"updated_since": [_("Use an ISO-8601 date-time.")]})
        if updated_since.tzinfo is None:
            updated_since = updated_since.replace(tzinfo=dt.UTC)
    return selectors.ContactFilters(
        q=query.q, email=query.email, phone=query.phone, stage=query.stage, owner=query.owner, tag=query.tag,
        source_type=query.source_type, channel=query.channel.replace("-", "_"), company=query.company,
        updated_since=updated_since,
    )
