"""/api/v1/sites, /api/v1/channel-rules and /api/v1/tracking/…: what admins configure for
behaviour tracking."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from sarnakh.core.api import ErrorOut, write_auth
from sarnakh.core.api_types import DbId, InputSchema
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.tracking.sites import selectors, services

# Operation ids keep the module path they were published under (core.api.SarnakhAPI).
PUBLISHED_AS = "sarnakh.tracking.api_sites"
router = Router(tags=["tracking settings"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class SiteIn(InputSchema):
    name: str
    origins: list[str] = []


class SitePatch(InputSchema):
    name: str | None = None
    origins: list[str] | None = None
    is_active: bool | None = None


class SiteOut(Schema):
    id: int
    name: str
    key: str
    origins: list[str]
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    snippet: str


class RuleIn(InputSchema):
    field: str
    pattern: str
    channel: str
    is_active: bool = True


class RuleOut(RuleIn):
    position: int


class RulesIn(InputSchema):
    rules: list[RuleIn]


class RulesOut(Schema):
    rules: list[RuleOut]


class TrackingSettingsOut(Schema):
    anonymous_retention_days: int
    respect_do_not_track: bool
    updated_at: dt.datetime | None


class TrackingSettingsPatch(InputSchema):
    anonymous_retention_days: int | None = None
    respect_do_not_track: bool | None = None


class CleanupIn(InputSchema):
    days: int | None = None
    dry_run: bool = False


class CleanupOut(Schema):
    days: int
    cutoff: dt.datetime
    dry_run: bool
    events: int
    sessions: int
    visitors: int


def _site(site, respect_dnt: bool | None = None) -> dict:
    return {
        "id": site.pk, "name": site.name, "key": site.key, "origins": site.allowed_origins, "is_active": site.is_active,
        "created_at": site.created_at, "updated_at": site.updated_at,
        "snippet": selectors.site_snippet(site, respect_dnt=respect_dnt),
    }


def _rules() -> dict:
    return {
        "rules": [
            {"position": r.position, "field": r.field, "pattern": r.pattern, "channel": r.channel, "is_active": r.is_active}
            for r in selectors.channel_rule_list()
        ]
    }


def _settings(row) -> dict:
    return {"anonymous_retention_days": row.anonymous_retention_days, "respect_do_not_track": row.respect_do_not_track, "updated_at": row.updated_at}


@router.get("/sites", response={200: list[SiteOut], **ERRORS}, summary="List tracked sites",
            description="Every tracked site with its public key, allowed origins and the snippet to paste before `</head>`.")
def list_sites(request):
    respect_dnt = selectors.tracking_settings_get().respect_do_not_track
    return [_site(s, respect_dnt) for s in selectors.site_list()]


@router.post("/sites", auth=write_auth, response={201: SiteOut, **ERRORS}, summary="Add a tracked site",
             description="Creates a site with a new public key. `origins` are the addresses allowed to send events "
                         "with the key (`https://www.example.com`, or `https://*.example.com` for all subdomains); "
                         "an empty list lets any origin send.")
def create_site(request, payload: SiteIn):
    site = services.site_create(name=payload.name, origins=payload.origins, actor_user=None)
    return Status(201, _site(site))


@router.get("/sites/{int:site_id}", response={200: SiteOut, **ERRORS}, summary="One tracked site")
def get_site(request, site_id: DbId):
    site = selectors.site_get(site_id)
    if site is None:
        raise NotFound(_("No site with the id %(id)s.") % {"id": site_id})
    return _site(site)


@router.patch("/sites/{int:site_id}", auth=write_auth, response={200: SiteOut, **ERRORS}, summary="Rename a site, change its origins or switch it off",
              description="Only the fields sent change. `origins: []` lets any origin send; an inactive site's events are refused (401).")
def update_site(request, site_id: DbId, payload: SitePatch):
    site = services.site_update(site_id=site_id, name=payload.name, origins=payload.origins, is_active=payload.is_active)
    return _site(site)


@router.post("/sites/{int:site_id}/rotate-key", auth=write_auth, response={200: SiteOut, **ERRORS}, summary="Give a site a new key",
             description="The old key stops working at once: replace the snippet on the site with the one in the answer.")
def rotate_site_key(request, site_id: DbId):
    return _site(services.site_rotate_key(site_id=site_id))


@router.delete("/sites/{int:site_id}", auth=write_auth, response={204: None, **ERRORS}, summary="Delete a tracked site",
               description="Its key stops working. Events and sessions already recorded are kept.")
def delete_site(request, site_id: DbId):
    services.site_delete(site_id=site_id)
    return HttpResponse(status=204)


@router.get("/channel-rules", response={200: RulesOut, **ERRORS}, summary="The channel rule table",
            description="Rules in evaluation order; the first active rule that matches a session's UTM parameters, "
                        "landing page or referrer gives its channel. `field` is utm_medium, utm_source, referrer_host "
                        "or url_param; `pattern` is a comma-separated list of values (`*` and `?` are wildcards, "
                        "`google.*` matches any Google country domain).")
def list_channel_rules(request):
    return _rules()


@router.put("/channel-rules", auth=write_auth, response={200: RulesOut, **ERRORS}, summary="Replace the channel rule table",
            description="Sends the whole table in order. Nothing changes when any row is invalid; errors are named "
                        "`rules.<index>.<column>`. Only sessions processed afterwards use the new rules.")
def replace_channel_rules(request, payload: RulesIn):
    try:
        services.channel_rules_replace(rows=[rule.model_dump() for rule in payload.rules])
    except ValidationFailed as exc:
        exc.fields = {("rules" + key[4:] if key.startswith("rows") else key): msgs for key, msgs in exc.fields.items()}
        raise
    return _rules()


@router.post("/channel-rules/reset", auth=write_auth, response={200: RulesOut, **ERRORS}, summary="Restore the default channel rules")
def reset_channel_rules(request):
    services.channel_rules_reset()
    return _rules()


@router.get("/tracking/settings", response={200: TrackingSettingsOut, **ERRORS}, summary="Retention and privacy settings of tracking")
def get_tracking_settings(request):
    return _settings(selectors.tracking_settings_get())


@router.patch("/tracking/settings", auth=write_auth, response={200: TrackingSettingsOut, **ERRORS}, summary="Change retention or the Do-Not-Track switch",
              description="`anonymous_retention_days` (1–3650): how long behaviour of people never identified is kept. "
                          "`respect_do_not_track`: whether snippets honour Do-Not-Track and Global Privacy Control.")
def update_tracking_settings(request, payload: TrackingSettingsPatch):
    row = services.tracking_settings_update(
        anonymous_retention_days=payload.anonymous_retention_days, respect_do_not_track=payload.respect_do_not_track
    )
    return _settings(row)


@router.post("/tracking/cleanup", auth=write_auth, response={200: CleanupOut, **ERRORS}, summary="Delete old anonymous behaviour",
             description="Deletes events, sessions and visitors never linked to a contact and older than `days` "
                         "(default: the retention setting). `dry_run: true` only counts.")
def cleanup_anonymous_events(request, payload: CleanupIn):
    return services.anonymous_events_cleanup(days=payload.days, dry_run=payload.dry_run)
