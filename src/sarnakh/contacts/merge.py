"""Merging two records of one person.

The survivor keeps both histories (timeline, stage changes, notes, tags). For each
conflicting field the newer non-empty value wins (the record updated more recently),
unless the caller chose a side for that field. The survivor keeps the furthest funnel
stage. The loser stays as a tombstone pointing at the survivor, so its id still resolves.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import ActivityKind, StageKind
from sarnakh.contacts.events import ContactMerged, ContactUpdated
from sarnakh.contacts.models import Activity, Contact, Note, StageChange
from sarnakh.contacts.search import contact_search_text
from sarnakh.contacts.services import stage_changed_event
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.events import publish_many
from sarnakh.core.timeline import timeline_write

MERGE_FIELDS = (
    "first_name", "last_name", "email", "phone", "company_id", "job_title", "country", "city", "language",
    "time_zone", "lead_status", "owner_id", "consent", "consent_at", "consent_method",
)
# How the lead first came is a fact about the older record.
FIRST_TOUCH = ("source_type", "channel", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "referrer", "landing_page")


def _empty(value: Any) -> bool:
    return value in (None, "", [], {})


def pick_merged_values(
    survivor: dict[str, Any], loser: dict[str, Any], *, survivor_is_newer: bool, choices: dict[str, str]
) -> dict[str, Any]:
    """Pure rule: for each field, the chosen side, else the newer non-empty value."""
    result: dict[str, Any] = {}
    for name in survivor.keys() | loser.keys():
        a, b = survivor.get(name), loser.get(name)
        choice = choices.get(name.removesuffix("_id"))
        if choice == "survivor":
            result[name] = a
        elif choice == "loser":
            result[name] = b
        elif _empty(a) or _empty(b):
            result[name] = b if _empty(a) else a
        else:
            result[name] = a if survivor_is_newer else b
    return result


def contact_merge(*, survivor_id: int, loser_id: int, actor: Actor, choices: dict[str, str] | None = None) -> Contact:
    choices = choices or {}
    choosable = {name.removesuffix("_id") for name in MERGE_FIELDS}
    bad = {k: [_("Unknown field.")] for k in choices if k not in choosable}
    bad.update({k: [_("Choose survivor or loser.")] for k, v in choices.items() if k in choosable and v not in ("survivor", "loser")})
    if bad:
        raise ValidationFailed(_("Some choices are not valid."), fields=bad)
    if survivor_id == loser_id:
        raise ValidationFailed(_("Choose two different contacts."), fields={"loser_id": [_("Same as the survivor.")]})
    with transaction.atomic():
        rows = {
            c.pk: c
            for c in Contact.objects.select_for_update(of=("self",)).select_related("stage").filter(pk__in=[survivor_id, loser_id], merged_into__isnull=True)
        }
        if survivor_id not in rows or loser_id not in rows:
            raise NotFound(_("Contact not found."))
        survivor, loser = rows[survivor_id], rows[loser_id]
        now = clock.now()
        survivor_is_newer = (survivor.updated_at, survivor.pk) >= (loser.updated_at, loser.pk)
        picked = pick_merged_values(
            {n: getattr(survivor, n) for n in MERGE_FIELDS},
            {n: getattr(loser, n) for n in MERGE_FIELDS},
            survivor_is_newer=survivor_is_newer,
            choices=choices,
        )
        older = survivor if (survivor.created_at, survivor.pk) <= (loser.created_at, loser.pk) else loser
        for name in FIRST_TOUCH:
            picked[name] = getattr(older, name)
        properties = {**(loser.properties if survivor_is_newer else survivor.properties)}
        properties.update({k: v for k, v in (survivor.properties if survivor_is_newer else loser.properties).items() if not _empty(v)})
        changes = {
            name.removesuffix("_id"): [str(getattr(survivor, name)) if getattr(survivor, name) is not None else None,
                                       str(value) if value is not None else None]
            for name, value in picked.items()
            if getattr(survivor, name) != value
        }

        # The loser steps aside first so its email/phone are free for the survivor.
        loser.merged_into = survivor
        loser.merged_at = now
        loser.save(update_fields=["merged_into", "merged_at"])
        Contact.objects.filter(merged_into=loser).update(merged_into=survivor)
        moved_activities = Activity.objects.filter(contact=loser).update(contact=survivor)
        StageChange.objects.filter(contact=loser).update(contact=survivor)
        Note.objects.filter(contact=loser).update(contact=survivor)
        survivor.tags.add(*loser.tags.all())

        for name, value in picked.items():
            setattr(survivor, name, value)
        survivor.properties = properties
        survivor.created_at = min(survivor.created_at, loser.created_at)
        survivor.updated_at = now
        survivor.search_text = contact_search_text(survivor)
        survivor.save()

        stage_from = survivor.stage_id
        if loser.stage.kind == StageKind.FUNNEL and (
            survivor.stage.kind != StageKind.FUNNEL or loser.stage.order > survivor.stage.order
        ):
            survivor.stage = loser.stage
            survivor.save(update_fields=["stage"])
            StageChange.objects.create(
                contact=survivor, from_stage=stage_from, to_stage=loser.stage_id, changed_at=now,
                changed_by=actor.user if getattr(actor.user, "pk", None) else None, source=actor.source,
                reason=_("Merged with contact #%(id)d") % {"id": loser.pk},
            )
        timeline_write(
            contact=survivor,
            kind=ActivityKind.MERGED,
            actor=actor,
            at=now,
            data={
                "merged_id": loser.pk,
                "merged_name": str(loser),
                "changes": changes,
                "stage": [stage_from, survivor.stage_id],
                "moved_activities": moved_activities,
            },
        )
        events = [ContactMerged(contact_id=survivor.pk, loser_id=loser.pk)]
        if changes:
            events.append(ContactUpdated(contact_id=survivor.pk, changes=changes))
        if survivor.stage_id != stage_from:
            events.append(stage_changed_event(survivor.pk, stage_from, survivor.stage_id, actor=actor, reason=_("Merged with contact #%(id)d") % {"id": loser.pk}))
        publish_many(events, actor=actor)
    return survivor
