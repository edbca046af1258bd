"""Domain events of the contacts app (core.events): published by contacts' services inside
the transaction that made the change."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("contact.created", label=_("Contact created"))
@dataclass(frozen=True, kw_only=True)
class ContactCreated(DomainEvent):
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    company_id: int | None = None
    stage: str = ""
    source_type: str = ""
    channel: str = ""


@domain_event("contact.updated", label=_("Contact updated"))
@dataclass(frozen=True, kw_only=True)
class ContactUpdated(DomainEvent):
    """`changes`: field name (or `properties.<key>`, `tags`, `company`, `owner`) → [old, new]."""

    changes: dict = field(default_factory=dict)


@domain_event("contact.merged", label=_("Contacts merged"))
@dataclass(frozen=True, kw_only=True)
class ContactMerged(DomainEvent):
    """`contact_id` is the survivor; `loser_id` the contact merged into it (now gone)."""

    loser_id: int = 0


@domain_event("contact.deleted", label=_("Contact deleted"))
@dataclass(frozen=True, kw_only=True)
class ContactDeleted(DomainEvent):
    email: str = ""


@domain_event("contact.stage_changed", label=_("Lifecycle stage changed"))
@dataclass(frozen=True, kw_only=True)
class ContactStageChanged(DomainEvent):
    from_stage: str = ""
    to_stage: str = ""
    reason: str = ""
    rule: str = ""
    is_backward: bool = False
    actor: str = ""
