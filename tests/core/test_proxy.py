"""Client address and scheme behind a reverse proxy: trusted only with SARNAKH_BEHIND_PROXY."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt

from sarnakh.core.proxy import forwarded_client


@pytest.mark.parametrize(
    ("header", "client"),
    [
        ("198.51.100.20", "198.51.100.20"),
        ("10.0.0.1, 198.51.100.20", "198.51.100.20"),  # earlier entries come from the client
        ("198.51.100.20:51234", "198.51.100.20"),
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::7", "2001:db8::7"),
        ("not-an-address", None),
        ("", None),
    ],
)
def test_given_x_forwarded_for_then_the_last_entry_is_the_client(header, client):
    assert forwarded_client(header) == client


def _fail_login(client, **headers):
    client.post("/login/", {"username": "someone", "password": "wrong"}, REMOTE_ADDR="10.0.0.2", **headers)
    return AccessAttempt.objects.get().ip_address


@pytest.mark.django_db
def test_given_proxy_setting_on_then_login_failures_count_against_the_forwarded_client(client, settings):
    settings.SARNAKH_BEHIND_PROXY = True

    assert _fail_login(client, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.20") == "198.51.100.20"


@pytest.mark.django_db
def test_given_proxy_setting_off_then_a_forwarded_header_is_ignored(client, settings):
    settings.SARNAKH_BEHIND_PROXY = False

    assert _fail_login(client, HTTP_X_FORWARDED_FOR="198.51.100.20") == "10.0.0.2"
