"""Subscriptions for `sarnakh demo`: the demo's unsubscribed contacts get their
unsubscribed-all suppression (as if they had used the link), a few subscribed ones leave a
topic, and the list holds a few bounced, complained and hand-added addresses. Seeded: the
same every run; idempotent (a second run adds nothing)."""

from __future__ import annotations

import random

from sarnakh.contacts import selectors as contacts
from sarnakh.core import clock
from sarnakh.mail.subscriptions import rules, services
from sarnakh.mail.subscriptions.models import SubscriptionTopic, Suppression, TopicOptOut

MAX_CONTACTS = 2000  # the demo contacts looked at (bounded)


def load_subscriptions_demo(seed: int = 1403) -> str:
    services.topic_seed_defaults()
    rng = random.Random(seed + 14)
    now = clock.now()
    topics = list(SubscriptionTopic.objects.filter(active=True))
    people = list(contacts.live_contacts().exclude(email="").order_by("pk").values_list("pk", "email", "consent")[:MAX_CONTACTS])
    suppressions: list[Suppression] = []
    opt_outs: list[TopicOptOut] = []
    for pk, email, consent in people:
        address = rules.normalize_address(email)
        if consent == "unsubscribed":
            suppressions.append(Suppression(address=address, reason="unsubscribed_all", source="Demo data", created_at=now))
        elif consent == "subscribed" and rng.random() < 0.15 and topics:
            opt_outs.append(TopicOptOut(contact_id=pk, topic=rng.choice(topics), at=now, how="preference_centre"))
        elif rng.random() < 0.02:
            suppressions.append(Suppression(address=address, reason=rng.choice(("hard_bounce", "complaint")),
                                            source="Demo data", created_at=now))
    for address in ("old-customer@example.com", "do-not-email@example.com"):
        suppressions.append(Suppression(address=address, reason="manual", source="Demo data", created_at=now))
    Suppression.objects.bulk_create(suppressions, ignore_conflicts=True)
    TopicOptOut.objects.bulk_create(opt_outs, ignore_conflicts=True)
    return (f"Email subscriptions: {len(suppressions)} suppressed addresses and {len(opt_outs)} topic opt-outs "
            "on the demo contacts.")
