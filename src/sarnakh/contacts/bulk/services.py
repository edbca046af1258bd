"""Changes to many contacts at once. The bulk actions of the list page and the API (set
owner, add a tag, move forward) are set-based SQL plus one timeline row per contact, in
one transaction; the batch writers of imports (upsert.py) are exported from here for
other apps (capture)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts.bulk.upsert import (  # noqa: F401 - the batch writers, for imports
    NEW,
    SKIPPED,
    UPDATED,
    BatchResult,
    BatchWriter,
    CleanRow,
    RowError,
    RowResult,
    RowWriter,
    UpsertOptions,
)
from sarnakh.contacts.choices import ActivityKind, StageKind
from sarnakh.contacts.contact_input import TAG_MAX_LENGTH
from sarnakh.contacts.events import ContactUpdated
from sarnakh.contacts.models import Activity, Contact, LifecycleStage, StageChange, Tag
from sarnakh.contacts.services import stage_changed_event
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.events import publish_many
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.ui.formatting import format_number

MAX_BULK = 10000


def _ids(contact_ids: list[int]) -> list[int]:
    ids = sorted({int(i) for i in contact_ids})
    if not ids:
        raise ValidationFailed(_("Select at least one contact."), fields={"ids": [_("Select at least one contact.")]})
    if len(ids) > MAX_BULK:
        raise ValidationFailed(_("Too many contacts at once."), fields={"ids": [_("At most %(max)s.") % {"max": format_number(MAX_BULK)}]})
    return ids


def _activities(ids, kind, actor: Actor, at, data_for):
    user = actor.user if getattr(actor.user, "pk", None) else None
    Activity.objects.bulk_create(
        [Activity(contact_id=i, kind=kind, occurred_at=at, actor=user, actor_label=actor.label[:200], data=data_for(i)) for i in ids],
        batch_size=1000,
    )


@transaction.atomic
def contacts_set_owner(*, contact_ids: list[int], owner_id: int | None, actor: Actor) -> int:
    ids = _ids(contact_ids)
    owner = None
    if owner_id is not None:
        owner = get_user_model().objects.filter(pk=owner_id, is_active=True).first()
        if owner is None:
            raise ValidationFailed(_("Unknown user."), fields={"owner": [_("Unknown user.")]})
    now = clock.now()
    rows = dict(Contact.objects.filter(pk__in=ids, merged_into__isnull=True).exclude(owner_id=owner_id).values_list("pk", "owner_id"))
    Contact.objects.filter(pk__in=list(rows)).update(owner=owner, updated_at=now)
    _activities(list(rows), ActivityKind.OWNER_CHANGED, actor, now, lambda i: {"changes": {"owner": [rows[i], owner_id]}})
    publish_many([ContactUpdated(contact_id=i, changes={"owner": [rows[i], owner_id]}) for i in sorted(rows)], actor=actor)
    return len(rows)


@transaction.atomic
def contacts_add_tag(*, contact_ids: list[int], tag: str, actor: Actor) -> int:
    ids = _ids(contact_ids)
    name = clean_display_text(tag)
    if not name:
        raise ValidationFailed(_("Give a tag name."), fields={"tag": [_("This field is required.")]})
    if len(name) > TAG_MAX_LENGTH:
        message = _("Keep each tag under %(max)s characters.") % {"max": format_number(TAG_MAX_LENGTH)}
        raise ValidationFailed(message, fields={"tag": [message]})
    tag_row, _created = Tag.objects.get_or_create(name=name)
    through = Contact.tags.through
    already = set(through.objects.filter(tag=tag_row, contact_id__in=ids).values_list("contact_id", flat=True))
    targets = [i for i in Contact.objects.filter(pk__in=ids, merged_into__isnull=True).values_list("pk", flat=True) if i not in already]
    through.objects.bulk_create([through(contact_id=i, tag=tag_row) for i in targets], batch_size=1000)
    now = clock.now()
    Contact.objects.filter(pk__in=targets).update(updated_at=now)
    _activities(targets, ActivityKind.TAGGED, actor, now, lambda i: {"tags": {"added": [name], "removed": []}})
    publish_many([ContactUpdated(contact_id=i, changes={"tags": [[], [name]]}) for i in targets], actor=actor)
    return len(targets)


@transaction.atomic
def contacts_move_forward(*, contact_ids: list[int], stage_key: str, actor: Actor) -> tuple[int, int]:
    """Moves each selected contact to `stage_key` where that is a forward move.

    Backward moves need a reason per contact, so bulk skips them. Returns (moved, skipped).
    """
    ids = _ids(contact_ids)
    target = LifecycleStage.objects.filter(key=stage_key, kind=StageKind.FUNNEL).first()
    if target is None:
        raise ValidationFailed(_("Bulk moves go to a funnel stage."), fields={"stage": [_("Unknown funnel stage.")]})
    earlier = LifecycleStage.objects.filter(kind=StageKind.FUNNEL, order__lt=target.order).values_list("key", flat=True)
    side = LifecycleStage.objects.filter(kind=StageKind.SIDE).values_list("key", flat=True)
    movable = dict(
        Contact.objects.filter(pk__in=ids, merged_into__isnull=True, stage__in=[*earlier, *side]).values_list("pk", "stage")
    )
    now = clock.now()
    Contact.objects.filter(pk__in=list(movable)).update(stage=target.key, updated_at=now)
    user = actor.user if getattr(actor.user, "pk", None) else None
    StageChange.objects.bulk_create(
        [StageChange(contact_id=i, from_stage=old, to_stage=target.key, changed_at=now, changed_by=user, source=actor.source) for i, old in movable.items()],
        batch_size=1000,
    )
    _activities(list(movable), ActivityKind.STAGE_CHANGED, actor, now, lambda i: {"from": movable[i], "to": target.key, "reason": "", "rule": "", "backward": False})
    publish_many([stage_changed_event(i, old, target.key, actor=actor) for i, old in sorted(movable.items())], actor=actor)
    return len(movable), len(ids) - len(movable)
