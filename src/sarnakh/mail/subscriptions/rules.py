"""The lawful-basis rule of marketing email, once, as a pure decision over a contact's
facts (`decide`); selectors.py applies it to one contact and, as one SQL CASE in the same
order, to a whole audience. Tests hold the two to the same answers."""

from __future__ import annotations

from collections.abc import Iterable

# Why a contact may not get marketing email, in the order they are checked (the first that
# applies is the one counted); then why one may.
NO_ADDRESS = "no_address"
SUPPRESSION_ORDER = ("hard_bounce", "complaint", "invalid", "unsubscribed_all", "manual")
TOPIC_OPT_OUT = "topic_opt_out"
NO_CONSENT = "no_consent"
REFUSALS = (NO_ADDRESS, *SUPPRESSION_ORDER, TOPIC_OPT_OUT, NO_CONSENT)
CONSENT = "consent"
LEGITIMATE_INTEREST = "legitimate_interest"
ALLOWED = (CONSENT, LEGITIMATE_INTEREST)
# Transactional mail ignores topics and unsubscribes, not these.
TRANSACTIONAL_REFUSALS = ("hard_bounce", "complaint")


def decide(*, email: str, consent: str, suppressions: Iterable[str], opted_out: bool,
           legitimate_interest: bool) -> tuple[bool, str]:
    """(allowed, reason). `consent` is the contact's (subscribed, unsubscribed, not_asked);
    `suppressions` the reasons its address is suppressed for; `opted_out` whether it left
    the message's topic. A contact who unsubscribed counts as unsubscribed from all even
    without a suppression row (consent set by hand or imported)."""
    if not email:
        return False, NO_ADDRESS
    reasons = set(suppressions)
    for reason in SUPPRESSION_ORDER:
        if reason in reasons or (reason == "unsubscribed_all" and consent == "unsubscribed"):
            return False, reason
    if opted_out:
        return False, TOPIC_OPT_OUT
    if consent == "subscribed":
        return True, CONSENT
    if legitimate_interest:
        return True, LEGITIMATE_INTEREST
    return False, NO_CONSENT


def normalize_address(value: str) -> str:
    return (value or "").strip().lower()
