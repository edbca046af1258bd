"""Writes for list hygiene: merge duplicate pairs in bulk (through contacts' own merge, which
writes its timeline row and events), dismiss a pair as two people, and sunset inactive
contacts (move to the cold stage and/or unsubscribe, through contacts' services, each with
its timeline row). Every batch is bounded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contacts
from sarnakh.contacts import services as contact_services
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import DomainError, NotFound, ValidationFailed
from sarnakh.core.ui.formatting import format_number
from sarnakh.segments.hygiene import selectors
from sarnakh.segments.hygiene.models import DuplicateDismissal

MAX_MERGES = 50  # pairs merged in one request
MAX_SUNSET = 200  # contacts sunset in one request


@dataclass
class MergeOutcome:
    merged: list[tuple[int, int]] = field(default_factory=list)  # (survivor, loser)
    skipped: list[tuple[int, int, str]] = field(default_factory=list)  # (survivor, loser, why)


def default_survivor(a_id: int, b_id: int) -> int:
    """The older record (created first; the lower id on a tie) survives by default. When
    one of the two is gone (merged or deleted since the page was read), `a_id`: the merge
    then says why it skipped the pair."""
    rows = dict(contacts.live_contacts().filter(pk__in=[a_id, b_id]).values_list("pk", "created_at"))
    if len(rows) < 2:
        return a_id
    return min(rows, key=lambda pk: (rows[pk], pk))


def duplicates_merge(*, pairs: list[tuple[int, int]], actor: Actor) -> MergeOutcome:
    """Merges each (survivor, loser) pair with contacts' merge service, one transaction a
    pair, so one failure leaves the others done. An id merged away earlier in the batch (a
    chain A–B, B–C) is followed to its survivor; a pair that has become one contact is
    skipped."""
    if not pairs:
        raise ValidationFailed(_("Select at least one pair."), fields={"pairs": [_("Select at least one pair.")]})
    if len(pairs) > MAX_MERGES:
        message = _("At most %(max)s pairs at once.") % {"max": format_number(MAX_MERGES)}
        raise ValidationFailed(message, fields={"pairs": [message]})
    outcome = MergeOutcome()
    for survivor_id, loser_id in pairs:
        survivor, _moved = contacts.resolve_contact_id(survivor_id)
        loser, _moved = contacts.resolve_contact_id(loser_id)
        if survivor is None or loser is None:
            outcome.skipped.append((survivor_id, loser_id, _("Contact not found.")))
            continue
        if survivor == loser:
            outcome.skipped.append((survivor_id, loser_id, _("Already merged.")))
            continue
        try:
            contact_services.contact_merge(survivor_id=survivor, loser_id=loser, actor=actor)
        except DomainError as exc:
            outcome.skipped.append((survivor_id, loser_id, exc.message))
        else:
            outcome.merged.append((survivor, loser))
    return outcome


def duplicate_dismiss(*, contact_ids: tuple[int, int], actor: Actor) -> DuplicateDismissal:
    """Records that two contacts are different people; the finder does not offer the pair
    again. Dismissing a pair twice keeps the first record."""
    ids = sorted({int(i) for i in contact_ids})
    if len(ids) != 2:
        raise ValidationFailed(_("Choose two different contacts."), fields={"contact_ids": [_("Give two contact ids.")]})
    low, high = ids
    if contacts.live_contacts().filter(pk__in=[low, high]).count() != 2:
        raise NotFound(_("Contact not found."))
    user = actor.user if getattr(actor.user, "pk", None) else None
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        contact_low=low, contact_high=high,
        defaults={"dismissed_at": clock.now(), "dismissed_by": user, "actor_label": actor.label[:200]},
    )
    return dismissal


@transaction.atomic
def duplicates_dismiss(*, pairs: list[tuple[int, int]], actor: Actor) -> int:
    """Dismisses up to MAX_MERGES pairs, all or none."""
    if not pairs or len(pairs) > MAX_MERGES:
        message = _("Select one to %(max)s pairs.") % {"max": format_number(MAX_MERGES)}
        raise ValidationFailed(message, fields={"pairs": [message]})
    for a, b in pairs:
        duplicate_dismiss(contact_ids=(a, b), actor=actor)
    return len(pairs)


@dataclass
class SunsetOutcome:
    moved: int = 0
    unsubscribed: int = 0
    skipped: int = 0  # selected but not inactive (any more), or nothing to change


def contacts_sunset(*, contact_ids: list[int], days: int, move_to_cold: bool, unsubscribe: bool,
                    actor: Actor, now: dt.datetime | None = None) -> SunsetOutcome:
    """Sunsets the given contacts that are inactive for `days` days: moves each to the cold
    stage (a side stage: the reason is written on its stage change) and/or sets its email
    consent to unsubscribed (consent method says why). Each change goes through contacts'
    services, with its timeline row and domain event. Contacts no longer inactive are
    skipped. All or nothing: one transaction."""
    if not move_to_cold and not unsubscribe:
        message = _("Choose what to do: move to cold, unsubscribe, or both.")
        raise ValidationFailed(message, fields={"action": [message]})
    ids = sorted({int(i) for i in contact_ids})
    if not ids:
        raise ValidationFailed(_("Select at least one contact."), fields={"ids": [_("Select at least one contact.")]})
    if len(ids) > MAX_SUNSET:
        message = _("At most %(max)s contacts at once.") % {"max": format_number(MAX_SUNSET)}
        raise ValidationFailed(message, fields={"ids": [message]})
    reason = _("No activity for %(days)s days (list hygiene)") % {"days": format_number(days)}
    outcome = SunsetOutcome()
    with transaction.atomic():
        rows = dict(
            selectors.inactive_contacts(days, now=now, include_cold=True).filter(pk__in=ids).values_list("pk", "stage")
        )
        consent = dict(contacts.live_contacts().filter(pk__in=list(rows)).values_list("pk", "consent"))
        outcome.skipped = len(ids) - len(rows)
        for contact_id, stage in sorted(rows.items()):
            changed = False
            if move_to_cold and stage != selectors.COLD_STAGE:
                contact_services.contact_change_stage(contact_id=contact_id, stage_key=selectors.COLD_STAGE,
                                                      reason=reason, actor=actor, rule="list hygiene")
                outcome.moved += 1
                changed = True
            if unsubscribe and consent.get(contact_id) != selectors.UNSUBSCRIBED:
                contact_services.contact_update(
                    contact_id=contact_id, actor=actor,
                    data={"consent": selectors.UNSUBSCRIBED, "consent_method": reason},
                )
                outcome.unsubscribed += 1
                changed = True
            if not changed:
                outcome.skipped += 1
    return outcome
