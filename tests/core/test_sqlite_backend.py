"""The SQLite backend hands the write lock to waiting threads in turn and always frees it."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from sarnakh.contacts.models import Tag
from sarnakh.core.sqlite_backend.base import _WRITE_LOCK

pytestmark = pytest.mark.django_db(transaction=True)


def test_given_the_configured_database_then_sqlite_uses_the_fair_lock_backend():
    if connection.vendor == "sqlite":
        assert connection.settings_dict["ENGINE"] == "sarnakh.core.sqlite_backend"
    else:
        assert connection.settings_dict["ENGINE"] == "django.db.backends.postgresql"


def test_given_a_transaction_when_it_commits_or_fails_then_the_write_lock_is_free():
    with transaction.atomic():
        Tag.objects.create(name="kept")
        assert _WRITE_LOCK.locked() is (connection.vendor == "sqlite")
    assert not _WRITE_LOCK.locked()
    with pytest.raises(RuntimeError), transaction.atomic():
        Tag.objects.create(name="rolled back")
        raise RuntimeError("boom")
    assert not _WRITE_LOCK.locked()
    assert list(Tag.objects.values_list("name", flat=True)) == ["kept"]


def test_given_many_threads_writing_at_once_then_every_write_lands():
    errors: list[BaseException] = []

    def write(index: int) -> None:
        try:
            for step in range(10):
                with transaction.atomic():
                    Tag.objects.create(name=f"t{index}-{step}")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Tag.objects.count() == 80
    assert not _WRITE_LOCK.locked()
