"""Shared fixtures. The database comes from SARNAKH_DATABASE_URL (SQLite by default)."""

from __future__ import annotations

import importlib
import ipaddress
import json

import pytest
from django.test import Client

from sarnakh.core.actor import Actor
from sarnakh.core.apikeys import apikey_create
from sarnakh.core.roles import set_role


class ApiClient:
    """Django's test client speaking JSON with a bearer key."""

    def __init__(self, key: str | None):
        self.client = Client()
        self.key = key

    def _headers(self):
        return {"HTTP_AUTHORIZATION": f"Bearer {self.key}"} if self.key else {}

    def get(self, path, params=None, **extra):
        return self.client.get(path, params or {}, **self._headers(), **extra)

    def _send(self, method, path, body, **extra):
        data = body if isinstance(body, str | bytes) else json.dumps(body)
        return getattr(self.client, method)(path, data=data, content_type="application/json", **self._headers(), **extra)

    def post(self, path, body=None, **extra):
        return self._send("post", path, body if body is not None else {}, **extra)

    def put(self, path, body=None, **extra):
        return self._send("put", path, body if body is not None else {}, **extra)

    def patch(self, path, body=None, **extra):
        return self._send("patch", path, body if body is not None else {}, **extra)

    def delete(self, path, **extra):
        return self.client.delete(path, **self._headers(), **extra)


@pytest.fixture
def write_api(db):
    return ApiClient(apikey_create(name="test writer", scope="write").raw_key)


@pytest.fixture
def read_api(db):
    return ApiClient(apikey_create(name="test reader", scope="read").raw_key)


@pytest.fixture
def anon_api(db):
    return ApiClient(None)


def make_user(django_user_model, username: str, role: str, password: str = "pass-word-123"):
    user = django_user_model.objects.create_user(username=username, password=password, email=f"{username}@example.com")
    set_role(user, role)
    return user


@pytest.fixture
def admin_user(db, django_user_model):
    return make_user(django_user_model, "admin1", "admin")


@pytest.fixture
def marketer(db, django_user_model):
    return make_user(django_user_model, "marketer1", "marketing")


@pytest.fixture
def sales_user(db, django_user_model):
    return make_user(django_user_model, "sales1", "sales")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(admin_user):
    return logged_in(admin_user)


@pytest.fixture
def marketer_client(marketer):
    return logged_in(marketer)


@pytest.fixture
def sales_client(sales_user):
    return logged_in(sales_user)


@pytest.fixture
def actor(admin_user):
    return Actor.for_user(admin_user)


@pytest.fixture(autouse=True)
def default_stages(request):
    """Transactional tests end with a flush, which also deletes the default lifecycle
    stages a data migration created; every database test starts with them in place,
    so test order never matters."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not {"db", "transactional_db", "live_server"} & names:
        return
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool({"transactional_db", "live_server"} & names)
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    from sarnakh.contacts.models import LifecycleStage

    if not LifecycleStage.objects.filter(key="lead").exists():
        importlib.import_module("sarnakh.contacts.migrations.0002_default_stages").create_stages(apps, None)
        importlib.import_module("sarnakh.contacts.migrations.0008_lifecyclestage_name_fa").name_shipped_stages_in_persian(apps, None)
    from sarnakh.tracking.models import TrackingSettings

    if not TrackingSettings.objects.exists():
        importlib.import_module("sarnakh.tracking.migrations.0002_default_channel_rules").add_defaults(apps, None)
    from sarnakh.scoring.models import ScoringModel

    if not ScoringModel.objects.exists():
        importlib.import_module("sarnakh.scoring.migrations.0002_default_model").create_defaults(apps, None)


@pytest.fixture(autouse=True)
def fresh_tracking_caches():
    """Sites and channel rules are cached per process; a test's rolled-back rows must not
    outlive it in those caches."""
    from sarnakh.tracking import ingest
    from sarnakh.tracking.sites import selectors as site_selectors

    ingest.forget_sites()
    site_selectors.forget_channel_rules()
    yield
    ingest.forget_sites()
    site_selectors.forget_channel_rules()


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in Persian leaves its language active in the thread; each test starts in English."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def webhooks_stay_on_this_machine(monkeypatch):
    """No test sends a webhook off this machine (the API contract test makes webhooks with
    whatever public address it likes): connecting to anything but loopback fails."""
    from sarnakh.webhooks import sending

    real = sending.post_to_address

    def loopback_only(address, target, body, headers, *, started):
        if not ipaddress.ip_address(address).is_loopback:
            raise sending.ConnectFailed(f"tests connect to this machine only, not {address}")
        return real(address, target, body, headers, started=started)

    monkeypatch.setattr(sending, "post_to_address", loopback_only)
