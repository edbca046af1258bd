"""Anonymous visitor → known contact.

A visitor (one browser's cookie id) becomes a contact when they submit a form, identify
themselves, or arrive through a tracked email link. Linking attaches all their earlier
anonymous events and sessions to the contact, writes the timeline row, and — when their
first visit came before the contact existed — makes that visit the contact's first touch.

A visitor already linked to someone else is re-linked (a shared device): only anonymous
events follow, so two people never swap histories; the tracker also starts a new visitor
id when a different email identifies on the same browser.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from sarnakh.contacts import selectors as contact_selectors
from sarnakh.contacts import services as contact_services
from sarnakh.core.actor import Actor
from sarnakh.core.bulk_sql import values_update
from sarnakh.core.errors import DomainError
from sarnakh.core.lead_source import SourceType
from sarnakh.core.normalize import InvalidEmail, normalize_email
from sarnakh.core.timeline import timeline_write
from sarnakh.tracking.channels import UTM_KEYS
from sarnakh.tracking.contact_page import IDENTIFIED
from sarnakh.tracking.models import Event, Session, Visitor

TOKEN_SALT = "sarnakh.tracking.contact-link"
TOKEN_MAX_AGE = dt.timedelta(days=120)
TRAIT_FIELDS = ("first_name", "last_name", "phone", "company", "job_title", "country", "city")


def contact_link_token(contact_id: int) -> str:
    """The `_sk` value mail puts on tracked links: proves which contact clicked."""
    return signing.dumps(contact_id, salt=TOKEN_SALT, compress=False)


def contact_id_from_token(token: Any) -> int | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Resolution:
    contact_id: int | None
    via: str = ""
    note: str = ""  # why nobody was found, kept on the event


def resolve_person(*, properties: dict[str, Any], context: dict[str, Any], trusted: bool, actor_label: str) -> Resolution:
    """Who an identify event (or a server-side event naming a person) is about.

    A public site key may only point at existing contacts; a trusted server-side source
    (API key) creates the contact for an unknown email."""
    if context.get("contact_id") and trusted:
        live = contact_selectors.live_contact_ids({context["contact_id"]}).get(context["contact_id"])
        if live is None:
            return Resolution(None, note="unknown contact_id")
        return Resolution(live, "api")
    token_contact = contact_id_from_token(properties.get("contact_token"))
    if token_contact is not None:
        live = contact_selectors.live_contact_ids({token_contact}).get(token_contact)
        if live is not None:
            return Resolution(live, "email_link")
    raw_email = context.get("email") if trusted and context.get("email") else properties.get("email")
    try:
        email = normalize_email(raw_email) if isinstance(raw_email, str) else ""
    except InvalidEmail:
        return Resolution(None, note="invalid email")
    if not email:
        return Resolution(None, note="no email")
    live = contact_selectors.live_contact_id_by_email(email)
    if live is not None:
        return Resolution(live, "api" if trusted else "identify")
    if not trusted:
        return Resolution(None, note="no contact with this email")
    data = {"email": email, "source_type": SourceType.INBOUND, "channel": "api"}
    data.update({k: v for k, v in properties.items() if k in TRAIT_FIELDS and isinstance(v, str) and v.strip()})
    try:
        result = contact_services.contact_upsert(data=data, actor=Actor(source="api", label=actor_label[:200]))
    except DomainError:  # bad traits (e.g. a malformed phone) must not lose the person: keep the email alone
        result = contact_services.contact_upsert(data={"email": email, "channel": "api"}, actor=Actor(source="api", label=actor_label[:200]))
    return Resolution(result.contact.pk, "api")


def visitor_link(*, visitor_id: str, contact_id: int, via: str, at: dt.datetime) -> bool:
    """Links a visitor to a contact (creating the visitor row if needed); True when it changed."""
    with transaction.atomic():
        Visitor.objects.bulk_create(
            [Visitor(visitor_id=visitor_id, first_seen_at=at, last_seen_at=at)], ignore_conflicts=True
        )
        visitor = Visitor.objects.select_for_update().get(visitor_id=visitor_id)
        if visitor.contact_id == contact_id:
            return False
        visitor.contact_id, visitor.identified_at, visitor.identified_by = contact_id, at, via
        visitor.save(update_fields=["contact", "identified_at", "identified_by"])
        link_effects(visitor_id=visitor_id, contact_id=contact_id, via=via, at=at)
        return True


def link_effects(*, visitor_id: str, contact_id: int, via: str, at: dt.datetime) -> None:
    """What follows a new link: earlier anonymous history moves to the contact, the
    timeline says so, and an earlier first visit becomes the first touch."""
    events = Event.objects.filter(visitor_id=visitor_id, contact__isnull=True, processed_at__isnull=False).update(contact_id=contact_id)
    sessions = Session.objects.filter(visitor_id=visitor_id, contact__isnull=True).update(contact_id=contact_id)
    if not contact_selectors.contact_exists(contact_id):
        return
    timeline_write(
        contact=contact_id, kind=IDENTIFIED, actor=Actor.system(_("Tracking")), at=at,
        data={"visitor_id": visitor_id, "via": via, "events": events, "sessions": sessions},
    )
    first_touch_refresh(contact_id=contact_id)


def first_touch_refresh(*, contact_id: int) -> bool:
    """Makes the contact's earliest tracked visit its first touch when that visit came
    before the contact existed (it is how they came); True when the contact changed."""
    contact = contact_selectors.live_contacts().filter(pk=contact_id).only("created_at", "source_type").first()
    if contact is None or contact.source_type != SourceType.INBOUND:
        return False
    first = Session.objects.filter(contact_id=contact_id, is_bot=False).order_by("started_at", "id").first()
    if first is None or first.started_at > contact.created_at:
        return False
    touch = {key: getattr(first, key) for key in UTM_KEYS}
    touch.update(channel=first.channel, referrer=first.referrer, landing_page=first.entry_url)
    changed = contact_services.contact_first_touch_set(
        contact_id=contact_id, touch=touch, actor=Actor.system(_("Tracking")),
        reason=_("First tracked visit: %(when)s") % {"when": first.started_at.isoformat(timespec="seconds")},
    )
    return changed is not None


def visitor_seen(*, visitor_ids: dict[str, tuple[dt.datetime, dt.datetime]]) -> dict[str, Visitor]:
    """Creates missing visitor rows, locks all of them (in a stable order), widens their
    first/last seen; returns them by visitor id. Call inside a transaction."""
    if not visitor_ids:
        return {}
    Visitor.objects.bulk_create(
        [Visitor(visitor_id=v, first_seen_at=span[0], last_seen_at=span[1]) for v, span in visitor_ids.items()],
        ignore_conflicts=True,
    )
    visitors = {v.visitor_id: v for v in Visitor.objects.select_for_update().filter(visitor_id__in=list(visitor_ids)).order_by("visitor_id")}
    changed = []
    for visitor_id, (first, last) in visitor_ids.items():
        visitor = visitors[visitor_id]
        if first < visitor.first_seen_at or last > visitor.last_seen_at:
            visitor.first_seen_at, visitor.last_seen_at = min(first, visitor.first_seen_at), max(last, visitor.last_seen_at)
            changed.append(visitor)
    if changed:
        values_update(Visitor, changed, ["first_seen_at", "last_seen_at"])
    return visitors
