"""The events segments publish: a contact joined or left a segment (workflows trigger on them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("segment.entered", label=_("Contact entered a segment"))
@dataclass(frozen=True, kw_only=True)
class SegmentEntered(DomainEvent):
    """`reason`: why (`refresh`, `contact.updated`, `added by hand`, …)."""

    segment_id: int = 0
    segment_name: str = ""
    reason: str = ""


@domain_event("segment.left", label=_("Contact left a segment"))
@dataclass(frozen=True, kw_only=True)
class SegmentLeft(DomainEvent):
    segment_id: int = 0
    segment_name: str = ""
    reason: str = ""
