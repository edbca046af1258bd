"""What other apps add to the contact page: cards, and rows merged into its timeline.

The page belongs to contacts, which knows none of the apps that add to it: scoring
registers the score and prediction cards, tracking the touches card and the visits and
events of the timeline, each in its own `contact_page` module (imported by its
AppConfig.ready). Timeline kinds, the rows contacts itself stores, are in core.timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from sarnakh.core.registry import Registry, Spec

SLOTS = ("side", "main")  # under the properties; between the stage and the notes


@dataclass(frozen=True)
class ContactCard(Spec):
    """A card: `handler(request, contact)` returns the card's template context, merged
    into the page's (so its keys must be its own), or None to hide the card; it checks
    permissions itself. Cards of one `group` are alternatives: the first by `order` that
    has something to show is the one shown."""

    slot: str = "main"
    order: int = 100
    template: str = ""
    group: str = ""


CONTACT_CARDS: Registry[ContactCard] = Registry("contact card")


def contact_card(
    *, key: str, label: Any, slot: str, order: int, template: str,
    context: Callable[[HttpRequest, Any], dict[str, Any] | None], group: str = "",
) -> ContactCard:
    if slot not in SLOTS:
        raise ValueError(f"contact card {key!r}: slot {slot!r} is not one of {SLOTS}")
    return CONTACT_CARDS.register(
        ContactCard(key=key, label=label, config_schema={}, handler=context, slot=slot, order=order, template=template, group=group)
    )


@dataclass(frozen=True)
class ShownCard:
    key: str
    template: str


def contact_cards(request: HttpRequest, contact: Any) -> tuple[dict[str, list[ShownCard]], dict[str, Any]]:
    """The cards to show on `contact`'s page by slot, and their merged template context."""
    shown: dict[str, list[ShownCard]] = {slot: [] for slot in SLOTS}
    context: dict[str, Any] = {}
    groups: set[str] = set()
    for card in sorted(CONTACT_CARDS, key=lambda c: (SLOTS.index(c.slot), c.order, c.key)):
        if card.group and card.group in groups:
            continue
        values = card.handler(request, contact)
        if values is None:
            continue
        clash = set(values) & set(context)
        if clash:
            raise ValueError(f"contact card {card.key!r} repeats context keys of another card: {sorted(clash)}")
        context.update(values)
        shown[card.slot].append(ShownCard(key=card.key, template=card.template))
        if card.group:
            groups.add(card.group)
    return shown, context


# ---------------------------------------------------------------- the timeline's other rows


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    id: int
    obj: Any


@dataclass(frozen=True)
class TimelineSource(Spec):
    """Rows of another app shown on the contact's timeline, newest first. `handler(contact_id,
    before=(at, id) or None, limit=n)` returns (items strictly older than `before` by
    (at, id), newest first, at most `limit`; whether there are more). `rank` orders sources
    within one instant (contacts' own rows are 0). `template` renders one item, as `obj`."""

    rank: int = 1
    template: str = ""


TIMELINE_SOURCES: Registry[TimelineSource] = Registry("timeline source")


def timeline_source(
    *, key: str, label: Any, rank: int, template: str,
    items: Callable[..., tuple[list[TimelineItem], bool]],
) -> TimelineSource:
    if rank < 1:
        raise ValueError(f"timeline source {key!r}: rank 0 is the contact's own rows")
    return TIMELINE_SOURCES.register(TimelineSource(key=key, label=label, config_schema={}, handler=items, rank=rank, template=template))
