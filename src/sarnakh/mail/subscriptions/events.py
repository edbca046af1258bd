"""The events subscriptions publish (the timeline, scores and segments react to them)."""

from __future__ import annotations

from dataclasses import dataclass, field

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


@domain_event("email.resubscribe_requested", label=_("Asked to receive email again"))
@dataclass(frozen=True, kw_only=True)
class EmailResubscribeRequested(DomainEvent):
    """Someone who had unsubscribed from all asked, in the preference centre, for topics
    again: a confirmation email goes to `address` (mail/optin); nothing applies until its
    link is followed. `request_id`: the ResubscribeRequest."""

    request_id: int = 0
    address: str = ""
    topic_keys: list = field(default_factory=list)
