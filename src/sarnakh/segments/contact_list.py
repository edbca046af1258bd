"""What segments add to the contacts list (core.contact_list): the bulk action "Add to
list", which puts the ticked contacts in a static list. Imported by SegmentsConfig.ready."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from sarnakh.core.contact_list import contact_bulk_action
from sarnakh.core.errors import ValidationFailed
from sarnakh.core.ui.formatting import format_number
from sarnakh.segments import selectors, services
from sarnakh.segments.models import Segment


def _static_lists() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in selectors.static_list_choices()]


def add_to_list(*, contact_ids: list[int], value: str, actor: Any) -> str:
    segment = Segment.objects.filter(kind=Segment.Kind.STATIC, pk=int(value) if value.isdigit() and len(value) < 19 else 0).first()
    if segment is None:
        raise ValidationFailed(_("Choose a static list."), fields={"list": [_("Choose a static list.")]})
    n = services.list_add(segment_id=segment.pk, contact_ids=contact_ids, actor=actor)
    return ngettext("%(n)s contact added to %(list)s.", "%(n)s contacts added to %(list)s.", n) % {
        "n": format_number(n), "list": segment.name}


contact_bulk_action(key="add_to_list", label=gettext_lazy("Add to list"), value_label=gettext_lazy("Static list"),
                    choices=_static_lists, handler=add_to_list, capability="segments.manage", order=10)
