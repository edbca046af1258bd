"""The events subscriptions publish (the timeline, scores and segments react to them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from sarnakh.core.events import DomainEvent, domain_event


@domain_event("email.unsubscribed", label=_("Unsubscribed from email"))
@dataclass(frozen=True, kw_only=True)
class EmailUnsubscribed(DomainEvent):
    """`scope`: `all` (every marketing topic) or a topic key; `via`: one_click, mailto,
    preference_centre, staff or api; `message_id`: the message whose link was used."""

    address: str = ""
    scope: str = "all"
    via: str = ""
    message_id: str = ""
