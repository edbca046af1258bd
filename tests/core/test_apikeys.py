import datetime as dt

import pytest

from sarnakh.core import clock
from sarnakh.core.apikeys import (
    KEY_PREFIX,
    apikey_authenticate,
    apikey_create,
    apikey_list,
    apikey_revoke,
)
from sarnakh.core.errors import NotFound, ValidationFailed
from sarnakh.core.models import ApiKey

pytestmark = pytest.mark.django_db


def test_given_new_key_then_it_is_shown_once_and_only_its_hash_is_stored():
    issued = apikey_create(name="website", scope="write")
    assert issued.raw_key.startswith(KEY_PREFIX)
    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.raw_key not in (stored.key_hash, stored.prefix, stored.name)
    assert len(stored.key_hash) == 64 and stored.scope == "write"


def test_given_key_when_authenticating_then_the_key_is_found_and_use_is_recorded():
    issued = apikey_create(name="website")
    found = apikey_authenticate(issued.raw_key)
    assert found.pk == issued.api_key.pk and found.scope == "read"
    assert ApiKey.objects.get(pk=found.pk).last_used_at is not None


@pytest.mark.parametrize("raw", ["", "snk_wrong", "Bearer x", "nope"])
def test_given_unknown_key_when_authenticating_then_none(raw):
    apikey_create(name="website")
    assert apikey_authenticate(raw) is None


def test_given_revoked_key_when_authenticating_then_none():
    issued = apikey_create(name="old integration")
    apikey_revoke(key_id=issued.api_key.pk)
    assert apikey_authenticate(issued.raw_key) is None
    assert ApiKey.objects.get(pk=issued.api_key.pk).revoked_at is not None


def test_given_recent_use_when_authenticating_again_then_last_used_is_not_rewritten():
    issued = apikey_create(name="website")
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        apikey_authenticate(issued.raw_key)
    with clock.frozen_at(start + dt.timedelta(seconds=30)):
        apikey_authenticate(issued.raw_key)
    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at == start
    with clock.frozen_at(start + dt.timedelta(minutes=5)):
        apikey_authenticate(issued.raw_key)
    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at == start + dt.timedelta(minutes=5)


@pytest.mark.parametrize(("name", "scope", "field"), [("", "read", "name"), ("x", "admin", "scope")])
def test_given_bad_input_when_creating_then_validation_error_names_the_field(name, scope, field):
    with pytest.raises(ValidationFailed) as caught:
        apikey_create(name=name, scope=scope)
    assert field in caught.value.fields
    assert ApiKey.objects.count() == 0


def test_given_unknown_id_when_revoking_then_not_found():
    with pytest.raises(NotFound):
        apikey_revoke(key_id=999999)


def test_given_keys_then_list_never_contains_raw_keys():
    issued = apikey_create(name="a")
    assert [k.pk for k in apikey_list()] == [issued.api_key.pk]
