"""Login throttling: failed logins lock a username and an address for the cool-off; the
login page says so and for how long; an admin unlocks from Settings → Users or the CLI."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from sarnakh.core.errors import ValidationFailed
from sarnakh.core.login_guard import lockout_clear, lockouts

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"
ATTACKER = "203.0.113.7"


def _login(client: Client, username: str, password: str, ip: str = ATTACKER):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def _burst(username: str, count: int, ip: str = ATTACKER) -> list[int]:
    client = Client()
    return [_login(client, username, f"guess-{n}", ip).status_code for n in range(count)]


def test_given_a_burst_of_wrong_passwords_then_throttled_and_the_right_one_refused_too(admin_user):
    statuses = _burst("admin1", 40)

    assert statuses[:4] == [200] * 4  # the form's own "wrong password" answer
    assert set(statuses[4:]) == {429}
    response = _login(Client(), "admin1", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in response.wsgi_request.session
    # Refused attempts are not written: the burst left one row with the five counted failures.
    assert list(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == [5]


def test_given_locked_out_when_the_page_answers_then_it_says_locked_and_for_how_long(admin_user):
    _burst("admin1", 5)

    response = _login(Client(), "admin1", "again")

    body = response.content.decode()
    assert response.status_code == 429
    assert "Logging in is blocked for 15 more minutes" in body
    assert int(response["Retry-After"]) == pytest.approx(15 * 60, abs=5)
    assert 'value="admin1"' in body  # the form stays filled in


def test_given_locked_out_in_persian_then_the_message_is_persian(admin_user):
    _burst("admin1", 5)
    client = Client()
    client.cookies["django_language"] = "fa"

    body = _login(client, "admin1", "again").content.decode()

    assert "۱۵" in body and "Logging in is blocked" not in body


def test_given_username_locked_then_refused_from_any_address(admin_user):
    _burst("admin1", 5, ip="198.51.100.1")

    assert _login(Client(), "admin1", PASSWORD, ip="198.51.100.2").status_code == 429


def test_given_address_locked_then_every_username_refused_from_it(admin_user, marketer):
    for n in range(5):
        _login(Client(), f"nobody-{n}", "x")

    assert _login(Client(), "marketer1", PASSWORD).status_code == 429
    assert _login(Client(), "marketer1", PASSWORD, ip="198.51.100.9").status_code == 302


def test_given_the_cool_off_passed_then_the_right_password_works_again(admin_user):
    _burst("admin1", 5)
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))

    assert _login(Client(), "admin1", PASSWORD).status_code == 302
    assert lockouts() == []


def test_given_a_few_failures_then_logging_in_still_works(admin_user):
    _burst("admin1", 4)

    assert _login(Client(), "admin1", PASSWORD).status_code == 302


def test_given_lockouts_when_admin_opens_users_page_then_listed_and_unlock_works(admin_user, marketer, admin_client):
    _burst("marketer1", 5, ip="198.51.100.8")
    for n in range(5):
        _login(Client(), f"nobody-{n}", "x")

    page = admin_client.get("/settings/users/").content.decode()
    assert "marketer1" in page and ATTACKER in page and "Unlock" in page

    response = admin_client.post("/settings/users/", {"action": "unlock", "username": "marketer1"})
    assert response.status_code == 302
    assert _login(Client(), "marketer1", PASSWORD, ip="198.51.100.3").status_code == 302
    assert [(lock.kind, lock.value) for lock in lockouts()] == [("ip_address", ATTACKER)]
    assert _login(Client(), "marketer1", PASSWORD).status_code == 429

    admin_client.post("/settings/users/", {"action": "unlock", "ip_address": ATTACKER})
    assert lockouts() == []
    assert _login(Client(), "marketer1", PASSWORD).status_code == 302


def test_given_no_key_when_unlocking_then_refused_and_nothing_deleted(admin_user):
    _burst("admin1", 5)

    with pytest.raises(ValidationFailed):
        lockout_clear()
    assert AccessAttempt.objects.exists()


def test_given_the_cli_command_when_resetting_a_username_then_unlocked(admin_user):
    _burst("admin1", 5, ip="198.51.100.4")

    call_command("axes_reset_username", "admin1")

    assert _login(Client(), "admin1", PASSWORD, ip="198.51.100.5").status_code == 302


def test_given_non_admin_when_unlocking_then_403(marketer_client):
    assert marketer_client.post("/settings/users/", {"action": "unlock", "username": "x"}).status_code == 403
