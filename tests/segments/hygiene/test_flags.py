"""Address flags: the SQL rule (pages, segment filters) and the Python rule agree, row by row."""

from __future__ import annotations

import pytest

from sarnakh.contacts.models import Contact
from sarnakh.core.filters.compile import evaluate, load_facts, matching_contacts, parse_filter
from sarnakh.segments.hygiene import flags, selectors
from tests.segments.hygiene.conftest import T0, add_contact

pytestmark = pytest.mark.django_db

EMAILS = {
    "info@pars.ir": {flags.ROLE},
    "NoReply@Pars.ir": {flags.ROLE},
    "information@pars.ir": set(),
    "ali@mailinator.com": {flags.DISPOSABLE},
    "support@mailinator.com": {flags.ROLE, flags.DISPOSABLE},
    "ali@gmail.com": set(),
    # invalid ones reach the table only as raw data (the services refuse them)
    "ali@@pars.ir": {flags.INVALID},
    "ali@localhost": {flags.INVALID},
    "ali.@pars.ir": {flags.INVALID},
    "a..b@pars.ir": {flags.INVALID},
    "ali pars@pars.ir": {flags.INVALID},
    "no-at-sign": {flags.INVALID},
    "": set(),
}


@pytest.fixture
def flagged(db):
    ids = {}
    for n, email in enumerate(EMAILS):
        contact = add_contact(T0, first_name=f"P{n}", phone=f"+98912000{n:04d}")
        Contact.objects.filter(pk=contact.pk).update(email=email)
        ids[email] = contact.pk
    return ids


def test_given_addresses_then_python_flags_are_as_expected():
    for email, expected in EMAILS.items():
        assert set(flags.email_flags(email)) == expected, email


def test_given_stored_addresses_then_sql_finds_the_same_flags_and_counts(flagged):
    for flag in flags.FLAGS:
        expected = {flagged[e] for e, f in EMAILS.items() if flag in f}
        assert set(selectors.flagged_contacts(flag).values_list("pk", flat=True)) == expected, flag
    assert selectors.flag_counts() == {f: sum(f in v for v in EMAILS.values()) for f in flags.FLAGS}


@pytest.mark.parametrize("field", ["email_role_address", "email_disposable", "email_invalid"])
@pytest.mark.parametrize("value", [True, False])
def test_given_a_segment_filter_on_a_flag_then_sql_and_python_evaluation_agree(flagged, field, value):
    tree = parse_filter({"match": "all", "conditions": [{"field": field, "op": "eq", "value": value}]})
    in_sql = set(matching_contacts(tree).values_list("pk", flat=True))
    facts = load_facts(list(flagged.values()))
    in_python = {pk for pk in flagged.values() if evaluate(tree, facts[pk], now=T0)}
    assert in_sql == in_python
    assert in_sql  # each side has someone
