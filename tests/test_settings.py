"""Settings derived from the environment, checked on a real `sarnakh` process: https
hardening follows SARNAKH_BASE_URL, the proxy header is trusted only when configured, and
the initial admin password stops being printed once changed."""

from __future__ import annotations

import http.client
import os
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.core.sarnakh_process import command, free_port, run_sarnakh, sarnakh_env

REPO = Path(__file__).resolve().parent.parent
# The child imports this checkout's code (and `tests`), not whatever is installed.
CHILD_PATH = os.pathsep.join([str(REPO / "src"), str(REPO)])
STRONG_KEY = "k7Qm2-vX9pLr4TzW8cN1bHy6sJd3FgAe5UoKiMwZqRt0VnBxCyEp_aSfGhJlPo"
HTTPS = {"SARNAKH_BASE_URL": "https://crm.example.com", "SARNAKH_SECRET_KEY": STRONG_KEY, "PYTHONPATH": CHILD_PATH}


def _run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    return run_sarnakh(home, *args, **{"PYTHONPATH": CHILD_PATH, **env})


def test_given_https_base_url_and_strong_key_then_check_deploy_is_clean(tmp_path):
    done = _run(tmp_path, "manage", "check", "--deploy", "--fail-level", "WARNING", **HTTPS, SARNAKH_ALLOWED_HOSTS="crm.example.com")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_given_plain_http_base_url_then_no_https_settings_are_active(tmp_path):
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER)"
    )
    done = _run(tmp_path, "manage", "shell", "--no-imports", "-c", code)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "False", "0", "None"]


def _get(port: int, path: str, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response
    finally:
        conn.close()


@dataclass
class Served:
    port: int
    output: str = ""  # everything the server printed, once it has stopped


@contextmanager
def serving(home: Path, **env: str):
    """`sarnakh serve` (waitress) while the block runs."""
    served = Served(port=free_port())
    server = subprocess.Popen(
        [*command(), "serve", "--port", str(served.port), "--no-worker"],
        env=sarnakh_env(home, **{"PYTHONPATH": CHILD_PATH, **env}),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.stdout.read()
            try:
                if _get(served.port, "/healthz").status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "sarnakh serve did not answer /healthz"
            time.sleep(0.2)
        yield served
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        served.output = server.stdout.read()
        server.stdout.close()


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    done = _run(home, "init", "--password", "first-admin-pw")
    assert done.returncode == 0, done.stderr
    return home


def test_given_https_behind_a_proxy_then_forwarded_https_is_trusted_and_plain_http_redirected(home):
    with serving(home, **HTTPS, SARNAKH_BEHIND_PROXY="true") as served:
        port = served.port
        # The load balancer's plain-http probe is not redirected.
        assert _get(port, "/healthz").status == 200
        plain = _get(port, "/login/")
        assert plain.status == 301 and plain.getheader("Location") == f"https://127.0.0.1:{port}/login/"

        secure = _get(port, "/login/", {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.20"})

        assert secure.status == 200
        assert secure.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
        assert "script-src 'self' 'nonce-" in secure.getheader("Content-Security-Policy")
        cookie_attributes = [part.strip().lower() for part in secure.getheader("Set-Cookie").split(";")]
        assert "secure" in cookie_attributes


def test_given_https_without_the_proxy_setting_then_a_forged_forwarded_header_is_ignored(home):
    with serving(home, **HTTPS) as served:
        forged = _get(served.port, "/login/", {"X-Forwarded-Proto": "https"})

    assert forged.status == 301


def test_given_initial_password_changed_then_init_and_serve_no_longer_print_it(home):
    assert "Log in as: admin / first-admin-pw" in _run(home, "init").stdout
    change = "from sarnakh.core.users import user_set_password; from django.contrib.auth.models import User; user_set_password(user_id=User.objects.get(username='admin').pk, password='a-new-admin-secret')"
    assert _run(home, "manage", "shell", "--no-imports", "-c", change).returncode == 0

    again = _run(home, "init")

    assert again.returncode == 0 and "Log in as" not in again.stdout
    assert not (home / "initial-admin.txt").exists()
    with serving(home) as served:
        pass
    assert "Sarnakh is up" in served.output and "Log in as" not in served.output


def test_given_password_changed_outside_sarnakh_then_the_stale_file_is_removed(home):
    change = "from django.contrib.auth.models import User; u = User.objects.get(username='admin'); u.set_password('changed-elsewhere'); u.save()"
    assert _run(home, "manage", "shell", "--no-imports", "-c", change).returncode == 0

    again = _run(home, "init")

    assert "Log in as" not in again.stdout
    assert not (home / "initial-admin.txt").exists()
