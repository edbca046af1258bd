"""Two requests creating the same person at the same moment leave one record."""

import threading

import pytest
from django.db import connection

from sarnakh.contacts import services
from sarnakh.contacts.models import Company, Contact
from sarnakh.core.actor import Actor
from sarnakh.core.apikeys import apikey_create
from tests.conftest import ApiClient

# Transactional: each thread commits on its own connection (tests/conftest.py puts the
# default stages back after the flush).
pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 4


def run_together(work, count=THREADS):
    """Runs `work(i)` in `count` threads released at once; returns results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def target(i):
        try:
            barrier.wait(timeout=30)
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_given_threads_upserting_same_email_then_exactly_one_contact():
    actor = Actor.system("race")
    results, errors = run_together(
        lambda i: services.contact_upsert(data={"email": "Race@Example.com", "first_name": f"T{i}", "company": "Race Co"}, actor=actor)
    )
    assert errors == []
    assert Contact.objects.count() == 1
    assert Company.objects.count() == 1
    assert sum(1 for r in results if r.created) == 1
    assert {r.contact.pk for r in results} == {Contact.objects.get().pk}


def test_given_threads_upserting_same_phone_without_email_then_exactly_one_contact():
    actor = Actor.system("race")
    _results, errors = run_together(lambda i: services.contact_upsert(data={"phone": "+49 30 1234567"}, actor=actor))
    assert errors == []
    assert Contact.objects.count() == 1


def test_given_api_clients_creating_same_contact_concurrently_then_one_record():
    key = apikey_create(name="race", scope="write").raw_key
    results, errors = run_together(
        lambda i: ApiClient(key).post("/api/v1/contacts", {"email": "ali.rezaei@example.com", "first_name": "Ali"}).status_code
    )
    assert errors == []
    assert sorted(results) == [200] * (THREADS - 1) + [201]
    assert Contact.objects.count() == 1
