"""Writes to the definitions admins manage: lifecycle stages and custom properties."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils.translation import gettext as _

from sarnakh.contacts.choices import Funnel, ObjectType, PropertyType, StageKind
from sarnakh.contacts.models import Company, Contact, LifecycleStage, PropertyDefinition
from sarnakh.core import clock
from sarnakh.core.errors import Conflict, NotFound, ValidationFailed
from sarnakh.core.normalize import clean_display_text
from sarnakh.core.ui.formatting import format_number

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
STAGE_KEY_MAX = LifecycleStage._meta.get_field("key").max_length
PROPERTY_KEY_MAX = PropertyDefinition._meta.get_field("key").max_length
RESERVED_KEYS = frozenset(
    "id first_name last_name email phone company job_title country city language time_zone stage lead_status owner "
    "source_type channel tags properties created_at updated_at name domain industry".split()
)


def _key_errors(key: Any, *, max_length: int) -> dict[str, list[str]]:
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        return {"key": [_("Use lower-case letters, digits and underscores, starting with a letter.")]}
    if len(key) > max_length:
        return {"key": [_("Keep this under %(max)s characters.") % {"max": format_number(max_length)}]}
    return {}


def _clean_name_fa(name_fa: Any, errors: dict[str, list[str]]) -> str:
    """The Persian label is optional (empty: Persian pages fall back to the English name)."""
    text = clean_display_text(name_fa if isinstance(name_fa, str) else "")
    if len(text) > 80:
        errors["name_fa"] = [_("Give a name of at most 80 characters.")]
    return text


@transaction.atomic
def stage_create(
    *, key: str, name: str, name_fa: str = "", funnel: str = Funnel.MOFU, kind: str = StageKind.FUNNEL, after: str | None = None
) -> LifecycleStage:
    errors = _key_errors(key, max_length=STAGE_KEY_MAX)
    name = clean_display_text(name)
    if not name or len(name) > 80:
        errors["name"] = [_("Give a name of at most 80 characters.")]
    name_fa = _clean_name_fa(name_fa, errors)
    if funnel not in Funnel.values:
        errors["funnel"] = [_("Use one of: %(values)s.") % {"values": ", ".join(Funnel.values)}]
    if kind not in StageKind.values:
        errors["kind"] = [_("Use one of: %(values)s.") % {"values": ", ".join(StageKind.values)}]
    anchor = None
    if after:
        anchor = LifecycleStage.objects.filter(key=after).first()
        if anchor is None:
            errors["after"] = [_("Unknown stage.")]
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    if LifecycleStage.objects.filter(key=key).exists():
        raise Conflict(_("A stage with this key exists."), fields={"key": [_("Already used.")]})
    if anchor is not None:
        order = anchor.order + 1
        LifecycleStage.objects.filter(order__gte=order).update(order=F("order") + 1)
    else:
        order = (LifecycleStage.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    return LifecycleStage.objects.create(key=key, name=name, name_fa=name_fa, funnel=funnel, kind=kind, order=order)


@transaction.atomic
def stage_update(*, key: str, name: str | None = None, name_fa: str | None = None, funnel: str | None = None) -> LifecycleStage:
    stage = LifecycleStage.objects.select_for_update(of=("self",)).filter(key=key).first()
    if stage is None:
        raise NotFound(_("Stage not found."))
    if name is not None:
        name = clean_display_text(name)
        if not name or len(name) > 80:
            raise ValidationFailed(_("Give a name of at most 80 characters."), fields={"name": [_("Give a name of at most 80 characters.")]})
        stage.name = name
    if name_fa is not None:
        errors: dict[str, list[str]] = {}
        stage.name_fa = _clean_name_fa(name_fa, errors)
        if errors:
            raise ValidationFailed(_("Give a name of at most 80 characters."), fields=errors)
    if funnel is not None:
        if funnel not in Funnel.values:
            raise ValidationFailed(_("Unknown funnel position."), fields={"funnel": [_("Use one of: %(values)s.") % {"values": ", ".join(Funnel.values)}]})
        stage.funnel = funnel
    stage.save()
    return stage


def _clean_choices(type_: str, choices: Any) -> tuple[list[str], dict[str, list[str]]]:
    if type_ not in (PropertyType.CHOICE, PropertyType.MULTI_CHOICE):
        return [], {}
    if not isinstance(choices, list) or not choices or not all(isinstance(c, str) and c.strip() for c in choices):
        return [], {"choices": [_("Give at least one choice.")]}
    cleaned = []
    for choice in choices:
        text = clean_display_text(choice)[:100]
        if text not in cleaned:
            cleaned.append(text)
    return cleaned, {}


@transaction.atomic
def property_define(
    *, object_type: str, key: str, label: str, type: str, choices: list[str] | None = None, help_text: str = ""
) -> PropertyDefinition:
    errors = _key_errors(key, max_length=PROPERTY_KEY_MAX)
    if isinstance(key, str) and key in RESERVED_KEYS:
        errors["key"] = [_("This key is a built-in field.")]
    if object_type not in ObjectType.values:
        errors["object_type"] = [_("Use one of: %(values)s.") % {"values": ", ".join(ObjectType.values)}]
    if type not in PropertyType.values:
        errors["type"] = [_("Use one of: %(values)s.") % {"values": ", ".join(PropertyType.values)}]
    label = clean_display_text(label)
    if not label or len(label) > 120:
        errors["label"] = [_("Give a label of at most 120 characters.")]
    cleaned_choices, choice_errors = _clean_choices(type, choices)
    errors.update(choice_errors)
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), fields=errors)
    try:
        with transaction.atomic():
            return PropertyDefinition.objects.create(
                object_type=object_type, key=key, label=label, type=type, choices=cleaned_choices,
                help_text=clean_display_text(help_text)[:300], created_at=clock.now(),
            )
    except IntegrityError:
        raise Conflict(_("A property with this key exists."), fields={"key": [_("Already used.")]}) from None


@transaction.atomic
def property_update(*, definition_id: int, label: str | None = None, choices: list[str] | None = None, help_text: str | None = None) -> PropertyDefinition:
    definition = PropertyDefinition.objects.select_for_update(of=("self",)).filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(_("Property not found."))
    if label is not None:
        label = clean_display_text(label)
        if not label or len(label) > 120:
            raise ValidationFailed(_("Give a label of at most 120 characters."), fields={"label": [_("Give a label of at most 120 characters.")]})
        definition.label = label
    if choices is not None:
        cleaned, errors = _clean_choices(definition.type, choices)
        if errors:
            raise ValidationFailed(_("Some fields are not valid."), fields=errors)
        definition.choices = cleaned
    if help_text is not None:
        definition.help_text = clean_display_text(help_text)[:300]
    definition.save()
    return definition


@transaction.atomic
def property_delete(*, definition_id: int) -> None:
    """Removes the definition; stored values stay in the records' JSON but are no longer shown."""
    definition = PropertyDefinition.objects.filter(pk=definition_id).first()
    if definition is None:
        raise NotFound(_("Property not found."))
    in_use = (Contact if definition.object_type == ObjectType.CONTACT else Company).objects.filter(properties__has_key=definition.key).exists()
    if in_use:
        raise Conflict(_("Records still have values for this property; clear them first."))
    definition.delete()
