"""Contacts' filter fields through its own services: stage history written by a stage
change, properties typed as numbers or text, tags, email domains, company fields."""

from __future__ import annotations

import datetime as dt

import pytest

from sarnakh.contacts import services
from sarnakh.contacts.models import Contact
from sarnakh.core import clock
from sarnakh.core.filters.compile import matching_contacts

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)


def ids(*conditions, match="all"):
    tree = {"match": match, "conditions": [dict(zip(("field", "op", "value"), c, strict=False)) for c in conditions]}
    return set(matching_contacts(tree, now=AT + dt.timedelta(days=1)).values_list("email", flat=True))


def test_became_mql_and_was_ever_customer_from_real_stage_changes(make_contact, system_actor):
    with clock.frozen_at(AT - dt.timedelta(days=40)):
        old = make_contact(email="old@example.com")
        services.contact_change_stage(contact_id=old.pk, stage_key="mql", actor=system_actor)
        services.contact_change_stage(contact_id=old.pk, stage_key="customer", actor=system_actor)
        services.contact_change_stage(contact_id=old.pk, stage_key="lead", actor=system_actor, reason="churned")
    with clock.frozen_at(AT):
        new = make_contact(email="new@example.com")
        services.contact_change_stage(contact_id=new.pk, stage_key="mql", actor=system_actor)
    make_contact(email="never@example.com")
    assert ids(("stage_reached:mql", "in_last_days", 30)) == {"new@example.com"}
    assert ids(("stage_reached:mql", "more_than_days_ago", 30)) == {"old@example.com"}
    assert ids(("stage_reached:customer", "is_set")) == {"old@example.com"}
    assert ids(("stage_reached:customer", "is_not_set")) == {"new@example.com", "never@example.com"}
    assert ids(("stage", "eq", "lead")) == {"old@example.com", "never@example.com"}


def test_properties_compare_as_numbers_or_as_text(make_contact):
    # Stored as the API, an import or a form may leave them (no definition types them).
    for email, value in (("a@example.com", 12), ("b@example.com", "9"), ("c@example.com", "many")):
        Contact.objects.filter(pk=make_contact(email=email).pk).update(properties={"seats": value})
    make_contact(email="d@example.com")
    assert ids(("property:seats", "gt", 10)) == {"a@example.com"}
    assert ids(("property:seats", "between", [5, 20])) == {"a@example.com", "b@example.com"}
    assert ids(("property:seats", "eq", "MANY")) == {"c@example.com"}
    assert ids(("property:seats", "eq", 9)) == {"b@example.com"}
    assert ids(("property:seats", "is_not_set")) == {"d@example.com"}
    assert ids(("property:seats", "ne", 12)) == {"b@example.com", "c@example.com", "d@example.com"}


def test_tags_has_any_and_has_none(make_contact, system_actor):
    a = make_contact(email="a@example.com", tags=["vip", "partner"])
    make_contact(email="b@example.com", tags=["partner"])
    make_contact(email="c@example.com")
    assert a.tags.count() == 2
    assert ids(("tags", "in", ["vip", "press"])) == {"a@example.com"}
    assert ids(("tags", "not_in", ["vip"])) == {"b@example.com", "c@example.com"}
    assert ids(("tags", "is_not_set")) == {"c@example.com"}


def test_email_domain_and_company_fields(make_contact):
    make_contact(email="x@Acme.example", company="Acme")
    make_contact(email="y@gmail.com")
    assert ids(("email_domain", "eq", "acme.example")) == {"x@acme.example"}
    assert ids(("email_domain", "ne", "acme.example")) == {"y@gmail.com"}
    assert ids(("company_name", "starts_with", ["ac"])) == {"x@acme.example"}
    assert ids(("company_name", "ne", "acme")) == {"y@gmail.com"}  # no company: a missing value
