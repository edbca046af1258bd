"""Reads of subscriptions: topics, a contact's statuses, the suppression list, and the
rules every marketing path asks (`marketing_allowed`, `transactional_allowed`, and for an
audience `marketing_allowed_q` / `exclusion_counts`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from sarnakh.contacts import selectors as contacts
from sarnakh.mail.subscriptions import rules
from sarnakh.mail.subscriptions.models import SubscriptionTopic, Suppression, TopicOptOut


def legitimate_interest() -> bool:
    """SARNAKH_EMAIL_LEGITIMATE_INTEREST: contacts never asked get marketing email (off by default)."""
    return bool(getattr(settings, "SARNAKH_EMAIL_LEGITIMATE_INTEREST", False))


def topics(*, active_only: bool = True) -> list[SubscriptionTopic]:
    qs = SubscriptionTopic.objects.all()
    return list(qs.filter(active=True) if active_only else qs)


def topic_keys() -> list[str]:
    return list(SubscriptionTopic.objects.values_list("key", flat=True))


def topic_by_key(key: str) -> SubscriptionTopic | None:
    return SubscriptionTopic.objects.filter(key=key).first() if key else None


def opted_out_topic_keys(contact_id: int) -> set[str]:
    return set(TopicOptOut.objects.filter(contact_id=contact_id).values_list("topic__key", flat=True))


def suppression_reasons(address: str) -> set[str]:
    address = rules.normalize_address(address)
    if not address:
        return set()
    return set(Suppression.objects.filter(address=address).values_list("reason", flat=True))


def _check_topic(topic_key: str) -> None:
    if topic_key and not SubscriptionTopic.objects.filter(key=topic_key).exists():
        raise ValueError(f"unknown subscription topic {topic_key!r}")


def contact_for_mail(contact_id: int) -> Any:
    """The live contact an email is for (a merged-away id follows to the survivor), or None:
    its id, email and consent (one query for a live id: the gate asks it per message)."""
    fields = ("pk", "email", "consent")
    found = contacts.live_contacts().filter(pk=contact_id).only(*fields).first()
    if found is not None:
        return found
    live_id, _moved = contacts.resolve_contact_id(contact_id)
    return contacts.live_contacts().filter(pk=live_id).only(*fields).first() if live_id is not None else None


def marketing_allowed(contact: Any, topic_key: str = "") -> tuple[bool, str]:
    """May this contact get marketing email on this topic ("" for none)? (allowed, reason):
    the reasons are rules.REFUSALS and rules.ALLOWED. `contact` has pk, email and consent."""
    _check_topic(topic_key)
    return rules.decide(
        email=contact.email or "", consent=contact.consent, suppressions=suppression_reasons(contact.email or ""),
        opted_out=bool(topic_key) and topic_key in opted_out_topic_keys(contact.pk),
        legitimate_interest=legitimate_interest(),
    )


def transactional_allowed(address: str) -> tuple[bool, str]:
    """Transactional mail (a form's confirmation…) ignores unsubscribes, never hard bounces
    and complaints. (allowed, reason): reason is "ok", "no_address" or the refusal."""
    address = rules.normalize_address(address)
    if not address:
        return False, rules.NO_ADDRESS
    found = suppression_reasons(address)
    for reason in rules.TRANSACTIONAL_REFUSALS:
        if reason in found:
            return False, reason
    return True, "ok"


# ---------------------------------------------------------------- audiences (set-based)


def _suppressed(reason: str | None = None) -> Exists:
    """Over contacts: the contact's address is suppressed (for `reason`, or any)."""
    rows = Suppression.objects.filter(address=Lower(OuterRef("email")))
    return Exists(rows.filter(reason=reason) if reason else rows)


def suppressed_q(reasons: frozenset[str] | None = None) -> Q:
    """Contacts whose address is suppressed (for one of `reasons`, or any)."""
    rows = Suppression.objects.filter(address=Lower(OuterRef("email")))
    if reasons is not None:
        rows = rows.filter(reason__in=sorted(reasons))
    return Q(Exists(rows))


def opted_out_q(topic_keys: frozenset[str]) -> Q:
    return Q(Exists(TopicOptOut.objects.filter(contact_id=OuterRef("pk"), topic__key__in=sorted(topic_keys))))


def _why(topic_key: str) -> Case:
    """rules.decide as one SQL CASE, checked in the same order."""
    whens = [When(email="", then=Value(rules.NO_ADDRESS))]
    for reason in rules.SUPPRESSION_ORDER:
        condition = Q(_suppressed(reason))
        if reason == "unsubscribed_all":
            condition |= Q(consent="unsubscribed")
        whens.append(When(condition, then=Value(reason)))
    if topic_key:
        whens.append(When(opted_out_q(frozenset([topic_key])), then=Value(rules.TOPIC_OPT_OUT)))
    whens.append(When(consent="subscribed", then=Value(rules.CONSENT)))
    default = rules.LEGITIMATE_INTEREST if legitimate_interest() else rules.NO_CONSENT
    return Case(*whens, default=Value(default), output_field=CharField())


def audience_reasons(contact_ids: QuerySet | list[int], topic_key: str = "") -> QuerySet:
    """Live contacts among `contact_ids` (a queryset of ids or a list) with `why`: the
    reason they may or may not get marketing email on this topic."""
    _check_topic(topic_key)
    return contacts.live_contacts().filter(pk__in=contact_ids).annotate(why=_why(topic_key))


def marketing_allowed_ids(contact_ids: QuerySet | list[int], topic_key: str = "") -> QuerySet:
    """The ids among `contact_ids` that may get marketing email on this topic (a queryset)."""
    return audience_reasons(contact_ids, topic_key).filter(why__in=rules.ALLOWED).values("pk")


def exclusion_counts(contact_ids: QuerySet | list[int], topic_key: str = "") -> dict[str, int]:
    """How many of the audience each reason excludes, and how many each basis allows: one
    GROUP BY over the audience (a campaign's review step for 100,000 recipients). Every
    reason in rules.REFUSALS and rules.ALLOWED is a key (0 when none)."""
    counts = dict.fromkeys((*rules.REFUSALS, *rules.ALLOWED), 0)
    rows = audience_reasons(contact_ids, topic_key).order_by().values("why").annotate(n=Count("pk"))
    for row in rows:
        counts[row["why"]] = row["n"]
    return counts


# ---------------------------------------------------------------- a contact, the list


@dataclass(frozen=True)
class TopicStatus:
    key: str
    label: str
    subscribed: bool  # not opted out


def contact_topic_statuses(contact_id: int) -> list[TopicStatus]:
    out = opted_out_topic_keys(contact_id)
    return [TopicStatus(key=t.key, label=t.label, subscribed=t.key not in out) for t in topics()]


def contact_subscriptions(contact_id: int) -> dict[str, Any] | None:
    """A contact's topic statuses, suppression and lawful basis (None: no such contact)."""
    contact = contacts.contact_get(contact_id)
    if contact is None:
        return None
    allowed, reason = marketing_allowed(contact)
    return {
        "contact_id": contact.pk, "email": contact.email, "consent": contact.consent,
        "marketing_allowed": allowed, "reason": reason,
        "suppressions": sorted(suppression_reasons(contact.email)),
        "topics": [{"key": s.key, "name": s.label, "subscribed": s.subscribed} for s in contact_topic_statuses(contact.pk)],
    }


def suppression_list(*, query: str = "", reason: str = "") -> QuerySet[Suppression]:
    qs = Suppression.objects.all()
    if query:
        qs = qs.filter(address__contains=rules.normalize_address(query))
    if reason:
        qs = qs.filter(reason=reason)
    return qs


def suppression_page(*, query: str = "", reason: str = "", after_id: int | None = None, limit: int = 50) -> tuple[list[Suppression], int | None]:
    """Newest first by id; the cursor is the last row's id."""
    qs = suppression_list(query=query, reason=reason).order_by("-id")
    if after_id is not None:
        qs = qs.filter(pk__lt=after_id)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


def suppression_counts() -> dict[str, int]:
    counts = dict.fromkeys(Suppression.Reason.values, 0)
    for row in Suppression.objects.order_by().values("reason").annotate(n=Count("pk")):
        counts[row["reason"]] = row["n"]
    return counts


def suppression_get(suppression_id: int) -> Suppression | None:
    return Suppression.objects.filter(pk=suppression_id).first()
