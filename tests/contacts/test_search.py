"""Search text and terms: Persian/Arabic variants, digits, phones."""

import pytest

from sarnakh.contacts import selectors
from sarnakh.contacts.search import search_terms


def test_given_arabic_letters_and_digits_when_splitting_query_then_normalised():
    assert search_terms("  علي   ۰۹۱۲ ") == ["علی", "0912"]


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["علي", "علی", "كريمي", "09123456789", "۰۹۱۲۳۴۵", "+98912", "ACME", "ali@ex", "مدير"])
def test_given_contact_when_searching_by_any_form_then_found(make_contact, query):
    contact = make_contact(first_name="علی", last_name="کریمی", email="ali@example.com", phone="+989123456789", company="Acme", job_title="مدیر")
    make_contact(first_name="Sara", email="sara@example.org")
    assert list(selectors.contact_queryset(selectors.ContactFilters(q=query))) == [contact]
