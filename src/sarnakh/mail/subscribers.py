"""How mail reacts to its own events on behalf of the apps below it: segments, scoring and
tracking cannot name mail's events (they sit lower and their subscribers load first), so
mail asks segments to re-decide a contact whose suppression or topic opt-outs changed
(`email_suppressed`, `topic_opted_out` conditions), and records human opens and clicks
and hard bounces as the contact's tracking events (which scoring and segments follow).
Unsubscribing from all also changes consent, which segments already follow through
`contact.updated`."""

from __future__ import annotations

from sarnakh.core.events import Envelope, subscribe
from sarnakh.mail.optin import subscribers as optin_subscribers  # noqa: F401 - confirmation emails
from sarnakh.mail.tracking import services as email_tracking
from sarnakh.segments import selectors as segment_selectors
from sarnakh.segments import services as segment_services


@subscribe("email.unsubscribed", "email.bounced", "email.complained", key="mail.segments_follow_suppression",
           fast=("email.unsubscribed", "email.bounced", "email.complained"), when=lambda names: segment_selectors.any_segment())
def segments_follow_suppression(envelopes: list[Envelope]) -> None:
    ids = sorted({e.event.contact_id for e in envelopes if e.event.contact_id})
    if ids:
        segment_services.segment_reevaluate_contacts(contact_ids=ids, reason=envelopes[0].name)


@subscribe("email.opened", "email.clicked", "email.bounced", "email.unsubscribed", "email.complained",
           key="mail.engagement_reaches_contacts")
def engagement_reaches_contacts(envelopes: list[Envelope]) -> None:
    """Human opens and clicks become timeline rows and the contact's `email_open` /
    `email_click` tracking events, and hard bounces `email_bounced` events: scoring (the
    default model's email rules), segments' behaviour conditions and list hygiene read
    tracking events, and cannot name mail's events themselves. Leaving all marketing mail
    and spam complaints become `unsubscribed` events (the default model takes 50 points).
    Not fast: the redirect's request stays one insert, and a scanner's burst has time to
    mark its first click."""
    engagements = [e.event.engagement_id for e in envelopes if e.name in ("email.opened", "email.clicked") and not e.event.machine]
    bounces = [(e.event.email_id, e.event.contact_id, e.occurred_at) for e in envelopes
               if e.name == "email.bounced" and e.event.bounce == "hard" and e.event.contact_id]
    if engagements:
        email_tracking.engagements_follow(engagement_ids=engagements)
    losses = [(e.id, e.event.contact_id, e.occurred_at, "complaint" if e.name == "email.complained" else e.event.via)
              for e in envelopes if e.event.contact_id and (e.name == "email.complained"
                                                            or (e.name == "email.unsubscribed" and e.event.scope == "all"))]
    if bounces:
        email_tracking.bounces_follow(bounces=bounces)
    if losses:
        email_tracking.unsubscribes_follow(losses=losses)


from sarnakh.mail.bounces import subscribers as _bounces  # noqa: E402, F401 - the bounce mailbox job, ESP webhooks
from sarnakh.mail.campaigns import subscribers as _campaigns  # noqa: E402, F401 - due campaigns start by themselves
