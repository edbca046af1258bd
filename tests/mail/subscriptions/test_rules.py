"""The lawful-basis rules: every reason a contact may or may not get marketing email, for
one contact and for an audience (one GROUP BY), and the transactional rule."""

import itertools

import pytest

from sarnakh.contacts.selectors import contact_get
from sarnakh.core import clock
from sarnakh.mail.subscriptions import rules, selectors, services
from sarnakh.mail.subscriptions.models import SubscriptionTopic, Suppression, TopicOptOut
from tests.mail.subscriptions.conftest import make

CONSENTS = ("subscribed", "not_asked", "unsubscribed")
SUPPRESSIONS = ((), ("hard_bounce",), ("complaint",), ("invalid",), ("unsubscribed_all",), ("manual",), ("manual", "complaint"))


def _matrix(actor):
    """A contact for every consent × suppression × topic opt-out, and one with no address."""
    newsletter = SubscriptionTopic.objects.get(key="newsletter")
    people = []
    for i, (consent, suppressed, opted_out) in enumerate(itertools.product(CONSENTS, SUPPRESSIONS, (False, True))):
        contact = make(actor, f"p{i}@Example.com", consent=consent)
        for reason in suppressed:
            Suppression.objects.create(address=f"p{i}@example.com", reason=reason, created_at=clock.now())
        if opted_out:
            TopicOptOut.objects.create(contact_id=contact.pk, topic=newsletter, at=clock.now(), how="staff")
        people.append(contact)
    people.append(make(actor, "", consent="subscribed", phone="+989120000001"))
    return people


@pytest.mark.parametrize("legitimate", [False, True])
def test_marketing_rule_for_one_contact_and_for_an_audience_agree(actor, settings, legitimate):
    # given contacts in every state, and the legitimate-interest rule off or on
    settings.SARNAKH_EMAIL_LEGITIMATE_INTEREST = legitimate
    people = _matrix(actor)
    ids = [p.pk for p in people]
    for topic in ("", "newsletter", "product-news"):
        # when each is asked one by one and the audience is counted at once
        one_by_one = {p.pk: selectors.marketing_allowed(contact_get(p.pk), topic) for p in people}
        counts = selectors.exclusion_counts(ids, topic)
        # then the counts are the one-by-one reasons, and the allowed ids are the same
        expected = dict.fromkeys((*rules.REFUSALS, *rules.ALLOWED), 0)
        for _allowed, reason in one_by_one.values():
            expected[reason] += 1
        assert counts == expected, topic
        allowed_ids = set(selectors.marketing_allowed_ids(ids, topic).values_list("pk", flat=True))
        assert allowed_ids == {cid for cid, (ok, _r) in one_by_one.items() if ok}


def test_marketing_rule_reasons(actor, settings):
    settings.SARNAKH_EMAIL_LEGITIMATE_INTEREST = False
    a = make(actor, "a@example.com", consent="subscribed")
    b = make(actor, "b@example.com", consent="not_asked")
    c = make(actor, "c@example.com", consent="unsubscribed")
    assert selectors.marketing_allowed(a, "newsletter") == (True, "consent")
    assert selectors.marketing_allowed(b, "newsletter") == (False, "no_consent")
    assert selectors.marketing_allowed(c, "newsletter") == (False, "unsubscribed_all")
    settings.SARNAKH_EMAIL_LEGITIMATE_INTEREST = True
    assert selectors.marketing_allowed(b, "newsletter") == (True, "legitimate_interest")
    assert selectors.marketing_allowed(c, "newsletter") == (False, "unsubscribed_all")
    # a topic opt-out stops that topic only
    services.topic_opt_out(contact_id=a.pk, topic_key="newsletter", how="staff")
    assert selectors.marketing_allowed(a, "newsletter") == (False, "topic_opt_out")
    assert selectors.marketing_allowed(a, "product-news") == (True, "consent")
    # each suppression wins over consent
    for reason in ("hard_bounce", "complaint", "invalid", "manual"):
        d = make(actor, f"{reason}@example.com", consent="subscribed")
        services.suppression_add(address=f" {reason.upper()}@Example.com ", reason=reason, actor=actor)
        assert selectors.marketing_allowed(d, "") == (False, reason)
    with pytest.raises(ValueError):
        selectors.marketing_allowed(a, "no-such-topic")


def test_transactional_rule_ignores_unsubscribes_but_not_bounces_and_complaints(actor):
    for reason in ("unsubscribed_all", "manual", "invalid"):
        services.suppression_add(address=f"{reason}@example.com", reason=reason, actor=actor)
        assert selectors.transactional_allowed(f"{reason}@example.com") == (True, "ok")
    for reason in ("hard_bounce", "complaint"):
        services.suppression_add(address=f"{reason}@example.com", reason=reason, actor=actor)
        assert selectors.transactional_allowed(f"{reason.upper()}@example.com") == (False, reason)
    assert selectors.transactional_allowed("") == (False, "no_address")
    assert selectors.transactional_allowed("new@example.com") == (True, "ok")


def test_exclusion_counts_takes_a_queryset_of_ids(actor):
    people = [make(actor, f"q{i}@example.com", consent="subscribed") for i in range(3)]
    services.suppression_add(address="q0@example.com", reason="complaint", actor=actor)
    from sarnakh.contacts.selectors import live_contacts

    audience = live_contacts().filter(email__startswith="q").values("pk")
    counts = selectors.exclusion_counts(audience, "newsletter")
    assert counts["complaint"] == 1 and counts["consent"] == 2
    assert len(people) == 3
