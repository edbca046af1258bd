"""What filters can test from subscriptions (core.filters.fields): whether a contact's
address is suppressed (for any reason, or for chosen reasons) and which topics it left.
SQL through selectors' `suppressed_q` / `opted_out_q`; Python over the facts below. Core's
autodiscovery imports `<app>/filter_fields.py` only: mail/filter_fields.py imports this."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sarnakh.contacts import selectors as contacts
from sarnakh.core.filters.fields import fact_loader, field
from sarnakh.core.filters.tree import MAX_LIST_ITEMS
from sarnakh.mail.subscriptions import rules, selectors
from sarnakh.mail.subscriptions.models import Suppression, TopicOptOut

EMAIL = _("Email subscriptions")
# The shipped topics, for the segment builder's picker (there is no page to add topics
# yet); a filter may name any topic key that exists (`_topic_keys` checks the table).
SHIPPED_TOPICS = (("newsletter", _("Newsletter")), ("product-news", _("Product news")), ("nurture", _("Nurture programs")))


def _suppressed_to_q(op: str, prepared: bool, now: dt.datetime) -> Q:
    q = selectors.suppressed_q()
    return q if prepared else ~q


def _suppressed_evaluate(facts: dict, op: str, prepared: bool, now: dt.datetime) -> bool:
    return bool(facts["suppressions"]) is prepared


def _reasons_to_q(op: str, prepared: frozenset[str], now: dt.datetime) -> Q:
    q = selectors.suppressed_q(prepared)
    return q if op == "in" else ~q


def _reasons_evaluate(facts: dict, op: str, prepared: frozenset[str], now: dt.datetime) -> bool:
    hit = bool(facts["suppressions"] & prepared)
    return hit if op == "in" else not hit


def _topic_keys(op: str, value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(gettext("Choose one or more subscription topics."))
    if len(value) > MAX_LIST_ITEMS:
        raise ValueError(gettext("Enter at most %(count)s values.") % {"count": MAX_LIST_ITEMS})
    known = set(selectors.topic_keys())
    unknown = [v for v in value if v not in known]
    if unknown:
        raise ValueError(gettext("No subscription topic with the key %(key)s.") % {"key": unknown[0]})
    return frozenset(value)


def _topics_to_q(op: str, prepared: frozenset[str], now: dt.datetime) -> Q:
    q = selectors.opted_out_q(prepared)
    return q if op == "in" else ~q


def _topics_evaluate(facts: dict, op: str, prepared: frozenset[str], now: dt.datetime) -> bool:
    hit = bool(facts["opted_out_topics"] & prepared)
    return hit if op == "in" else not hit


field("email_suppressed", _("Email address suppressed"), group=EMAIL, value_type="boolean",
      to_q=_suppressed_to_q, evaluate=_suppressed_evaluate)
field("email_suppression_reason", _("Suppressed because"), group=EMAIL, value_type="choice",
      operators=("in", "not_in"), choices=tuple(Suppression.Reason.choices),
      to_q=_reasons_to_q, evaluate=_reasons_evaluate)
field("topic_opted_out", _("Unsubscribed from topic"), group=EMAIL, value_type="choice", operators=("in", "not_in"),
      choices=SHIPPED_TOPICS, prepare=_topic_keys, to_q=_topics_to_q, evaluate=_topics_evaluate)


@fact_loader
def load_facts(contact_ids: list[int]) -> dict[int, dict[str, Any]]:
    facts: dict[int, dict[str, Any]] = {cid: {"suppressions": set(), "opted_out_topics": set()} for cid in contact_ids}
    emails = {cid: rules.normalize_address(email)
              for cid, email in contacts.live_contacts().filter(pk__in=contact_ids).values_list("pk", "email")}
    by_address: dict[str, set[str]] = {}
    wanted = sorted({e for e in emails.values() if e})
    for address, reason in Suppression.objects.filter(address__in=wanted).values_list("address", "reason"):
        by_address.setdefault(address, set()).add(reason)
    for cid, email in emails.items():
        facts[cid]["suppressions"] = by_address.get(email, set()) if email else set()
    for cid, key in TopicOptOut.objects.filter(contact_id__in=contact_ids).values_list("contact_id", "topic__key"):
        facts[cid]["opted_out_topics"].add(key)
    return facts
