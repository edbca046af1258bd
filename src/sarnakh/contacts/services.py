"""Writes to contacts. Each function is one user-facing change: atomic, and it writes
its timeline row in the same transaction.

Other apps import all of contacts' writes from here: companies, stages and custom
properties have their own modules, re-exported below with the input checks that other
apps' writers share (clean_contact_input, property_specs, clean_property_values). The
batch writers of imports are in contacts.bulk.services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import ActivityKind
from sarnakh.contacts.company_services import company_create, company_delete, company_update  # noqa: F401 - re-exported
from sarnakh.contacts.contact_input import (  # noqa: F401
    FIRST_TOUCH_FIELDS,
    CleanContact,
    clean_contact_input,
    property_specs,
)
from sarnakh.contacts.events import (
    ContactCreated,
    ContactDeleted,
    ContactStageChanged,
    ContactUpdated,
)
from sarnakh.contacts.models import (
    Activity,
    Company,
    Contact,
    LifecycleStage,
    Note,
    StageChange,
    Tag,
)
from sarnakh.contacts.properties import PropertySpec, apply_property_values, clean_property_values  # noqa: F401
from sarnakh.contacts.search import company_search_text, contact_search_text
from sarnakh.contacts.settings_services import (  # noqa: F401 - re-exported
    property_define,
    property_delete,
    property_update,
    stage_create,
    stage_update,
)
from sarnakh.contacts.stages import StageInfo, decide_move
from sarnakh.contacts.upsert_rules import creation_snapshot, drop_empty, keep_first_touch
from sarnakh.core import clock
from sarnakh.core.actor import Actor
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.events import publish, publish_many
from sarnakh.core.normalize import email_domain, is_free_mail_domain, normalize_text
from sarnakh.core.timeline import timeline_write

DEFAULT_STAGE = "lead"
UPSERT_ATTEMPTS = 3

@dataclass
class UpsertResult:
    contact: Contact
    created: bool
    matched_on: str = ""  # "email", "phone" or "" when created
    ignored: list[str] = field(default_factory=list)


def _stage_info(stage: LifecycleStage) -> StageInfo:
    return StageInfo(key=stage.key, order=stage.order, kind=stage.kind, label=stage.display_name)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _resolve_company(clean: CleanContact, *, email: str, now) -> Company | None:
    if isinstance(clean.company, int):
        company = Company.objects.filter(pk=clean.company).first()
        if company is None:
            raise ValidationFailed(_("Unknown company."), fields={"company": [_("Unknown company.")]})
        return company
    if isinstance(clean.company, str) and clean.company:
        # A company named explicitly wins over the email's domain: a consultant at
        # agency.com working for Pars goes to Pars. The domain only names the company
        # when no name is given (and a new company takes it if nobody holds it yet).
        key = normalize_text(clean.company)
        company = Company.objects.filter(search_text__startswith=key + "\n").order_by("name", "id").first()
        if company is not None:
            return company
        domain = email_domain(email)
        company_domain = domain if domain and not is_free_mail_domain(domain) else ""
        if company_domain and Company.objects.filter(domain=company_domain).exists():
            company_domain = ""
        company = Company(name=clean.company, domain=company_domain, created_at=now, updated_at=now)
        company.search_text = company_search_text(company)
        company.save()
        return company
    return None


def _company_for_email(email: str) -> Company | None:
    domain = email_domain(email)
    if not domain or is_free_mail_domain(domain):
        return None
    return Company.objects.filter(domain=domain).first()


def _set_tags(contact: Contact, names: list[str], *, is_new: bool = False) -> tuple[list[str], list[str]]:
    current = set() if is_new else set(contact.tags.values_list("name", flat=True))
    wanted = set(names)
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if added:
        rows = list(Tag.objects.filter(name__in=added))
        if len(rows) < len(added):
            known = {t.name for t in rows}
            Tag.objects.bulk_create([Tag(name=n) for n in added if n not in known], ignore_conflicts=True)
            rows = list(Tag.objects.filter(name__in=added))
        contact.tags.add(*rows)
    if removed:
        contact.tags.remove(*Tag.objects.filter(name__in=removed))
    return added, removed


def _record_stage_change(
    *, contact: Contact, from_key: str, to_key: str, actor: Actor, reason: str, is_backward: bool, rule: str = "", at
) -> StageChange:
    change = StageChange.objects.create(
        contact=contact,
        from_stage=from_key,
        to_stage=to_key,
        changed_at=at,
        changed_by=actor.user if getattr(actor.user, "pk", None) else None,
        source=actor.source,
        rule=rule,
        reason=reason,
        is_backward=is_backward,
    )
    timeline_write(
        contact=contact,
        kind=ActivityKind.STAGE_CHANGED,
        actor=actor,
        at=at,
        data={"from": from_key, "to": to_key, "reason": reason, "rule": rule, "backward": is_backward},
    )
    publish(stage_changed_event(contact.pk, from_key, to_key, actor=actor, reason=reason, rule=rule, is_backward=is_backward), actor=actor)
    return change


def stage_changed_event(contact_id: int, from_key: str, to_key: str, *, actor: Actor, reason: str = "", rule: str = "", is_backward: bool = False) -> ContactStageChanged:
    return ContactStageChanged(
        contact_id=contact_id, from_stage=from_key, to_stage=to_key, reason=reason, rule=rule, is_backward=is_backward, actor=actor.label[:200],
    )


def _raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)


def _create(clean: CleanContact, *, actor: Actor, activity_data: dict | None = None) -> Contact:
    now = clock.now()
    stage_key = clean.stage.key if clean.stage else DEFAULT_STAGE
    contact = Contact(stage_id=stage_key, created_at=now, updated_at=now, **clean.values)
    if clean.has_company:
        contact.company = _resolve_company(clean, email=contact.email, now=now)
    elif contact.email:
        contact.company = _company_for_email(contact.email)
    if clean.properties:
        contact.properties = apply_property_values({}, clean.properties)
    if "consent" in clean.values and contact.consent != "not_asked" and "consent_at" not in clean.values:
        contact.consent_at = now
    contact.search_text = contact_search_text(contact)
    # Callers hold the transaction (contact_upsert retries it whole on a duplicate).
    with transaction.atomic(savepoint=False):
        contact.save()
        if clean.tags:
            _set_tags(contact, clean.tags, is_new=True)
        snapshot = creation_snapshot(contact, clean)
        user = actor.user if getattr(actor.user, "pk", None) else None
        StageChange.objects.create(
            contact=contact, from_stage="", to_stage=stage_key, changed_at=now, changed_by=user, source=actor.source
        )
        Activity.objects.bulk_create(
            [
                Activity(contact=contact, kind=ActivityKind.CREATED, occurred_at=now, actor=user, actor_label=actor.label[:200],
                         data={"fields": snapshot, "stage": stage_key, **(activity_data or {})}),
                Activity(contact=contact, kind=ActivityKind.STAGE_CHANGED, occurred_at=now, actor=user, actor_label=actor.label[:200],
                         data={"from": "", "to": stage_key, "reason": "", "rule": "", "backward": False}),
            ]
        )
        publish_many(
            [
                ContactCreated(
                    contact_id=contact.pk, email=contact.email, phone=contact.phone, first_name=contact.first_name,
                    last_name=contact.last_name, company_id=contact.company_id, stage=stage_key,
                    source_type=contact.source_type, channel=contact.channel,
                ),
                stage_changed_event(contact.pk, "", stage_key, actor=actor),
            ],
            actor=actor,
        )
    contact.tag_names = sorted(set(clean.tags or []))
    return contact


def _apply_update(
    contact: Contact, clean: CleanContact, *, actor: Actor, as_upsert: bool, activity_data: dict | None = None
) -> tuple[Contact, list[str]]:
    """Apply cleaned values; returns the contact and the names of fields left alone."""
    now = clock.now()
    ignored: list[str] = []
    changes: dict[str, list[Any]] = {}
    values = dict(clean.values)
    properties = clean.properties
    if as_upsert:
        ignored = keep_first_touch(contact, values)
        drop_empty(values)
        if properties:
            properties = {k: v for k, v in properties.items() if v is not None}
    for name, value in values.items():
        old = getattr(contact, name)
        if old != value:
            changes[name.removesuffix("_id")] = [_jsonable(old), _jsonable(value)]
            setattr(contact, name, value)
    if "consent" in changes and "consent_at" not in values:
        contact.consent_at = now
    if clean.has_company and not (as_upsert and clean.company is None):
        company = _resolve_company(clean, email=contact.email, now=now)
        if company != contact.company:
            changes["company"] = [contact.company.name if contact.company else None, company.name if company else None]
            contact.company = company
    elif "email" in changes and contact.company_id is None:
        company = _company_for_email(contact.email)
        if company is not None:
            changes["company"] = [None, company.name]
            contact.company = company
    if properties:
        new_properties = apply_property_values(contact.properties, properties)
        for key in sorted(set(contact.properties) | set(new_properties)):
            if contact.properties.get(key) != new_properties.get(key):
                changes[f"properties.{key}"] = [contact.properties.get(key), new_properties.get(key)]
        contact.properties = new_properties

    stage_move = None
    if clean.stage is not None and clean.stage.key != contact.stage_id:
        decision = decide_move(_stage_info(contact.stage), _stage_info(clean.stage), "")
        if decision.allowed:
            stage_move = (contact.stage_id, clean.stage.key)
            contact.stage = clean.stage
        elif as_upsert:
            ignored.append("stage")
        else:
            raise ValidationFailed(decision.message, fields={"stage": [decision.message]})

    with transaction.atomic():
        tag_change = None
        if clean.tags is not None:
            tags = clean.tags
            if as_upsert:
                tags = sorted(set(contact.tags.values_list("name", flat=True)) | set(tags))
            added, removed = _set_tags(contact, tags)
            if added or removed:
                tag_change = {"added": added, "removed": removed}
        if changes or stage_move or tag_change:
            contact.updated_at = now
            contact.search_text = contact_search_text(contact)
            contact.save()
        if changes or tag_change:
            published = dict(changes)
            if tag_change:
                published["tags"] = [tag_change["removed"], tag_change["added"]]
            publish(ContactUpdated(contact_id=contact.pk, changes=published), actor=actor)
        if changes or tag_change or activity_data:
            data = {"changes": changes, **(activity_data or {})}
            if tag_change:
                data["tags"] = tag_change
            timeline_write(contact=contact, kind=ActivityKind.UPDATED, actor=actor, at=now, data=data)
        if stage_move:
            _record_stage_change(
                contact=contact, from_key=stage_move[0], to_key=stage_move[1], actor=actor, reason="", is_backward=False, at=now
            )
    return contact, ignored


def _find_match(values: dict[str, Any]) -> tuple[Contact | None, str]:
    """The live contact with this email, else one with this phone and no other email."""
    email, phone = values.get("email"), values.get("phone")
    condition = Q()
    if email:
        condition |= Q(email=email)
    if phone:
        # A phone that belongs to someone with another email is not this person.
        condition |= Q(phone=phone, email="") if email else Q(phone=phone)
    if not condition:
        return None, ""
    # Tombstones of merges are skipped here rather than in SQL: with `merged_into IS NULL`
    # in the WHERE, SQLite's planner walks that index over every live contact instead
    # of using the email and phone indexes.
    rows = [
        c
        for c in Contact.objects.select_for_update(of=("self",)).filter(condition).select_related("stage", "company").order_by("id")
        if c.merged_into_id is None
    ]
    by_email = next((c for c in rows if email and c.email == email), None)
    if by_email is not None:
        return by_email, "email"
    by_phone = next((c for c in rows if phone and c.phone == phone), None)
    return (by_phone, "phone") if by_phone is not None else (None, "")


def contact_upsert(*, data: dict[str, Any], actor: Actor, activity_data: dict | None = None) -> UpsertResult:
    """Create a contact, or update the one with the same email (then phone) and say so."""
    clean, errors = clean_contact_input(data)
    _raise_if_errors(errors)
    if not clean.values.get("email") and not clean.values.get("phone") and not clean.values.get("first_name") and not clean.values.get("last_name"):
        raise ValidationFailed(
            _("A contact needs at least an email, a phone or a name."),
            fields={"email": [_("Give an email, a phone or a name.")]},
        )
    for attempt in range(UPSERT_ATTEMPTS):
        try:
            with transaction.atomic():
                existing, matched_on = _find_match(clean.values)
                if existing is not None:
                    contact, ignored = _apply_update(existing, clean, actor=actor, as_upsert=True, activity_data={"matched_on": matched_on, **(activity_data or {})})
                    return UpsertResult(contact=contact, created=False, matched_on=matched_on, ignored=ignored)
                return UpsertResult(contact=_create(clean, actor=actor, activity_data=activity_data), created=True)
        except IntegrityError:
            # Another request created the same person between our look-up and insert.
            if attempt == UPSERT_ATTEMPTS - 1:
                raise Conflict(_("This contact is being changed by another request; try again.")) from None
    raise AssertionError("unreachable")


def _live_contact_for_update(contact_id: int) -> Contact:
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("stage", "company").filter(pk=contact_id, merged_into__isnull=True).first()
    )
    if contact is None:
        raise NotFound(_("Contact not found."))
    return contact


def contact_update(*, contact_id: int, data: dict[str, Any], actor: Actor) -> Contact:
    clean, errors = clean_contact_input(data)
    _raise_if_errors(errors)
    try:
        with transaction.atomic():
            contact = _live_contact_for_update(contact_id)
            contact, _ignored = _apply_update(contact, clean, actor=actor, as_upsert=False)
            return contact
    except IntegrityError:
        # The unique keys are the email, and the phone of contacts without an email.
        field = "email" if clean.values.get("email") else "phone"
        raise Conflict(
            _("Another contact already has this email or phone. Merge the two instead."),
            fields={field: [_("Already used by another contact.")]},
        ) from None


@transaction.atomic
def contact_first_touch_set(*, contact_id: int, touch: dict[str, str], actor: Actor, reason: str) -> Contact | None:
    """Replaces the contact's first-touch detail (channel, UTM set, referrer, landing page)
    with an earlier visit that tracking found; returns the contact when something changed.

    The set is taken whole: mixing two visits' parameters would describe a visit that
    never happened. Writes the timeline row with the reason."""
    allowed = {"channel", *FIRST_TOUCH_FIELDS}
    unknown = set(touch) - allowed
    if unknown:
        raise ValueError(f"not first-touch fields: {sorted(unknown)}")
    contact = _live_contact_for_update(contact_id)
    changes = {}
    for name in sorted(allowed):
        value = (touch.get(name) or "")[: Contact._meta.get_field(name).max_length]
        if name == "channel" and not value:
            continue
        if getattr(contact, name) != value:
            changes[name] = [getattr(contact, name), value]
            setattr(contact, name, value)
    if not changes:
        return None
    contact.updated_at = clock.now()
    contact.save(update_fields=[*changes, "updated_at"])
    timeline_write(contact=contact, kind=ActivityKind.UPDATED, actor=actor, data={"changes": changes, "reason": reason})
    publish(ContactUpdated(contact_id=contact.pk, changes=changes), actor=actor)
    return contact


@transaction.atomic
def contact_delete(*, contact_id: int, actor: Actor) -> None:
    """Deletes a live contact with its history, and the records merged into it (their
    histories moved to it at merge time; left alone they would come back to life)."""
    contact = _live_contact_for_update(contact_id)
    publish(ContactDeleted(contact_id=contact.pk, email=contact.email), actor=actor)
    Contact.objects.filter(merged_into=contact).delete()
    contact.delete()


@transaction.atomic
def contact_change_stage(*, contact_id: int, stage_key: str, reason: str = "", actor: Actor, rule: str = "") -> StageChange:
    contact = _live_contact_for_update(contact_id)
    target = LifecycleStage.objects.filter(key=stage_key).first()
    if target is None:
        keys = ", ".join(LifecycleStage.objects.values_list("key", flat=True))
        raise ValidationFailed(_("Unknown stage."), fields={"stage": [_("Unknown stage. Use one of: %(keys)s.") % {"keys": keys}]})
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise ValidationFailed(_("Reason is too long."), fields={"reason": [_("Keep this under 2000 characters.")]})
    decision = decide_move(_stage_info(contact.stage), _stage_info(target), reason)
    if not decision.allowed:
        raise ValidationFailed(decision.message, fields={"reason" if decision.is_backward else "stage": [decision.message]})
    now = clock.now()
    from_key = contact.stage_id
    contact.stage = target
    contact.updated_at = now
    contact.save(update_fields=["stage", "updated_at"])
    return _record_stage_change(
        contact=contact, from_key=from_key, to_key=target.key, actor=actor, reason=reason, is_backward=decision.is_backward, rule=rule, at=now
    )


@transaction.atomic
def note_add(*, body: str, actor: Actor, contact_id: int | None = None, company_id: int | None = None) -> Note:
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(_("Write something first."), fields={"body": [_("This field is required.")]})
    if len(body) > 10000:
        raise ValidationFailed(_("Note is too long."), fields={"body": [_("Keep this under 10000 characters.")]})
    now = clock.now()
    contact = company = None
    if contact_id is not None:
        contact = _live_contact_for_update(contact_id)
    if company_id is not None:
        company = Company.objects.filter(pk=company_id).first()
        if company is None:
            raise NotFound(_("Company not found."))
    note = Note.objects.create(contact=contact, company=company, author=actor.user if getattr(actor.user, "pk", None) else None, body=body, created_at=now)
    if contact is not None:
        timeline_write(contact=contact, kind=ActivityKind.NOTE_ADDED, actor=actor, at=now, data={"note_id": note.pk, "body": body[:500]})
    return note


def contact_merge(*, survivor_id: int, loser_id: int, actor: Actor, choices: dict[str, str] | None = None) -> Contact:
    """Merges two records of one person (contacts.merge, which imports this module): for
    other apps, which reach contacts' writes only through here."""
    from sarnakh.contacts import merge

    return merge.contact_merge(survivor_id=survivor_id, loser_id=loser_id, actor=actor, choices=choices)
