"""commit_between: `before` runs, the transaction commits at once, `after` runs, and the
block's on-commit hooks wait until after `after`."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.db.transaction import TransactionManagementError

from sarnakh.core import clock
from sarnakh.core.commit_point import commit_between
from sarnakh.core.models import ApiKey


def _key(prefix: str, **extra) -> ApiKey:
    return ApiKey.objects.create(name=prefix, prefix=prefix, key_hash=prefix * 4, created_at=clock.now(), **extra)


def _noop() -> None:
    return None


def _smtp_gone() -> None:
    raise ConnectionResetError("smtp gone")


@pytest.mark.django_db(transaction=True)
def test_given_an_outermost_block_when_commit_between_then_before_commit_after_then_the_hooks():
    order: list[str] = []

    with transaction.atomic():
        _key("cp1")
        transaction.on_commit(lambda: order.append("hook"))
        commit_between(lambda: order.append("before"), lambda: order.append("after"))

    assert order == ["before", "after", "hook"]
    assert ApiKey.objects.filter(prefix="cp1").exists()


@pytest.mark.django_db(transaction=True)
def test_given_before_fails_then_nothing_is_committed():
    with pytest.raises(ConnectionResetError), transaction.atomic():
        _key("cp2")
        commit_between(_smtp_gone, _noop)

    assert not ApiKey.objects.filter(prefix="cp2").exists()
    _key("cp3")  # the connection is usable afterwards
    assert ApiKey.objects.filter(prefix="cp3").exists()


@pytest.mark.django_db(transaction=True)
def test_given_after_fails_then_the_change_stays_and_the_error_propagates():
    with pytest.raises(ConnectionResetError), transaction.atomic():
        _key("cp4")
        commit_between(_noop, _smtp_gone)

    assert ApiKey.objects.filter(prefix="cp4").exists()


@pytest.mark.django_db(transaction=True)
def test_given_the_commit_itself_fails_then_it_raises_after_is_skipped_and_nothing_is_stored():
    ran: list[str] = []

    with pytest.raises(DatabaseError), transaction.atomic():
        _key("cp5", created_by_id=987654321)  # a deferred foreign key: only COMMIT checks it
        commit_between(lambda: ran.append("before"), lambda: ran.append("after"))

    assert ran == ["before"]
    assert not ApiKey.objects.filter(prefix="cp5").exists()
    _key("cp6")
    assert ApiKey.objects.filter(prefix="cp6").exists()


@pytest.mark.django_db
def test_given_a_nested_block_then_both_run_and_nothing_commits_early():
    ran: list[str] = []
    # pytest-django's `db` wraps the test in a transaction: nothing may commit it
    with transaction.atomic():
        _key("cp7")
        commit_between(lambda: ran.append("before"), lambda: ran.append("after"))

    assert ran == ["before", "after"]
    assert transaction.get_connection().in_atomic_block
    assert ApiKey.objects.filter(prefix="cp7").exists()


@pytest.mark.django_db(transaction=True)
def test_given_no_atomic_block_then_it_refuses():
    with pytest.raises(TransactionManagementError):
        commit_between(_noop, _noop)
