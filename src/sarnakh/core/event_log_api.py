"""GET /api/v1/events/log: the domain event log for integrators and reports, followed with
a cursor (the last id seen). Mounted at "/"."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from sarnakh.core import event_log
from sarnakh.core.api import ErrorOut, read_auth
from sarnakh.core.api_types import DbId
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.events import EVENT_TYPES

router = Router(tags=["events"])


class EventLogQuery(Schema):
    type: list[str] = Field(default_factory=list, description="Only these event types (repeat the parameter), e.g. contact.qualified")
    contact_id: DbId | None = Field(None, description="Only events about this contact")
    after: int = Field(0, ge=0, le=2**63 - 1, description="The `next_after` of the previous page, or the last id you stored; 0 from the start")
    limit: int = Field(100, ge=1, le=event_log.MAX_PAGE)


class LoggedEventOut(Schema):
    id: int
    type: str
    occurred_at: dt.datetime
    contact_id: int | None
    actor: str
    data: dict[str, Any]


class EventLogPage(Schema):
    items: list[LoggedEventOut]
    next_after: int | None = Field(description="Pass as `after` for the next page; null when this page reached the end")


@router.get(
    "/events/log", auth=read_auth, response={200: EventLogPage, 401: ErrorOut, 422: ErrorOut},
    summary="The domain event log, oldest first after a cursor",
)
def events_log(request, query: Query[EventLogQuery]):
    """What happened, as published by the service that made each change (`contact.created`,
    `contact.stage_changed`, `contact.qualified`, `form.submitted`, …; see
    `GET /webhooks/event-types`). Events older than the retention (SARNAKH_EVENT_LOG_DAYS)
    are gone."""
    unknown = [name for name in query.type if name not in EVENT_TYPES]
    if unknown:
        message = _("Unknown event type: %(name)s")
        raise ValidationFailed(_("Some fields are not valid."), fields={"type": [message % {"name": name[:80]} for name in unknown[:5]]})
    page = event_log.event_log_page(after=query.after, names=query.type, contact_id=query.contact_id, limit=query.limit)
    return {
        "items": [
            {"id": r.pk, "type": r.name, "occurred_at": r.occurred_at, "contact_id": r.contact_id, "actor": r.actor, "data": r.payload}
            for r in page.items
        ],
        "next_after": page.next_after,
    }
