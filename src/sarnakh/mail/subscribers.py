"""How mail reacts to its own events on behalf of the apps below it: segments cannot name
mail's events (it sits lower and its subscribers load first), so mail asks segments to
re-decide a contact whose suppression or topic opt-outs changed (`email_suppressed`,
`topic_opted_out` conditions). Unsubscribing from all also changes consent, which
segments already follow through `contact.updated`."""

from __future__ import annotations

from sarnakh.core.events import Envelope, subscribe
from sarnakh.segments import selectors as segment_selectors
from sarnakh.segments import services as segment_services


@subscribe("email.unsubscribed", "email.bounced", key="mail.segments_follow_suppression",
           fast=("email.unsubscribed", "email.bounced"), when=lambda names: segment_selectors.any_segment())
def segments_follow_suppression(envelopes: list[Envelope]) -> None:
    ids = sorted({e.event.contact_id for e in envelopes if e.event.contact_id})
    if ids:
        segment_services.segment_reevaluate_contacts(contact_ids=ids, reason=envelopes[0].name)


from sarnakh.mail.campaigns import subscribers as _campaigns  # noqa: E402, F401 - due campaigns start by themselves
