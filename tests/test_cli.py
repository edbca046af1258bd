"""The `sarnakh` command, run for real in child processes against a fresh SQLite home."""

from __future__ import annotations

import http.client
import json
import subprocess
import time
from pathlib import Path

import pytest

from sarnakh.segments.hygiene.demo import PLANTED as HYGIENE_PLANTED
from tests.core.sarnakh_process import (
    command,
    free_port,
    run_sarnakh,
    sarnakh_env,
    source_pythonpath,
)

SUBCOMMANDS = [["init"], ["serve"], ["worker"], ["apikey"], ["apikey", "create"], ["apikey", "list"], ["demo"],
               ["import"], ["import", "contacts"], ["import", "resume"],
               ["site"], ["site", "create"], ["site", "list"], ["events"], ["events", "cleanup"], ["events", "process"],
               ["model"], ["model", "evaluate"], ["model", "train"], ["score"], ["score", "recompute"], ["score", "backtest"],
               ["segment"], ["segment", "refresh"], ["segment", "count"], ["segment", "export"]]


def _shell(home: Path, code: str) -> str:
    done = run_sarnakh(home, "manage", "shell", "--no-imports", "-c", code, PYTHONPATH=source_pythonpath())
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    done = run_sarnakh(home, "init", "--password", "first-admin-pw")
    assert done.returncode == 0, done.stderr
    return home


def test_given_help_flag_then_every_subcommand_is_listed(tmp_path):
    done = run_sarnakh(tmp_path, "--help")
    assert done.returncode == 0
    for name in ["init", "serve", "worker", "apikey", "demo", "manage"]:
        assert name in done.stdout


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=" ".join)
def test_given_subcommand_help_then_it_explains_itself(tmp_path, args):
    done = run_sarnakh(tmp_path, *args, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: sarnakh " + " ".join(args))


def test_given_manage_help_then_django_commands_are_listed(tmp_path):
    done = run_sarnakh(tmp_path, "manage", "help")
    assert done.returncode == 0, done.stderr
    assert "migrate" in done.stdout


def test_given_fresh_home_when_init_then_admin_is_created_and_login_printed(tmp_path):
    home = tmp_path / "fresh"
    done = run_sarnakh(home, "init")
    assert done.returncode == 0, done.stderr
    assert "Created the first admin user 'admin'" in done.stdout
    login_line = next(line for line in done.stdout.splitlines() if line.startswith("Log in as:"))
    password = login_line.split(" / ")[1].split()[0]
    assert (home / "sarnakh.sqlite3").exists()
    checked = _shell(home, f"from django.contrib.auth.models import User; u = User.objects.get(username='admin'); print(u.is_superuser, u.check_password({password!r}))")
    assert checked == "True True"


def test_given_initialised_home_when_init_again_then_no_second_admin(home):
    again = run_sarnakh(home, "init")
    assert again.returncode == 0, again.stderr
    assert "Created" not in again.stdout
    assert "Log in as: admin / first-admin-pw" in again.stdout
    assert _shell(home, "from django.contrib.auth.models import User; print(User.objects.count())") == "1"


def test_given_apikey_create_with_write_scope_then_the_printed_key_authenticates(home):
    done = run_sarnakh(home, "apikey", "create", "website", "--scope", "write")
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("snk_") and "shown once" in done.stderr
    scope = _shell(home, f"from sarnakh.core.apikeys import apikey_authenticate; print(apikey_authenticate({key!r}).scope)")
    assert scope == "write"
    listed = run_sarnakh(home, "apikey", "list")
    assert "website\twrite" in listed.stdout and key not in listed.stdout


def test_given_bad_scope_or_empty_name_then_apikey_create_fails_clearly(home):
    assert run_sarnakh(home, "apikey", "create", "x", "--scope", "admin").returncode == 2
    empty = run_sarnakh(home, "apikey", "create", " ")
    assert empty.returncode == 2 and "error" in empty.stderr


def test_given_demo_command_then_data_is_loaded_once(home):
    done = run_sarnakh(home, "demo", "--contacts", "40", "--companies", "8")
    assert done.returncode == 0, done.stderr
    assert "40 contacts at 8 companies" in done.stdout and "maryam" in done.stdout
    assert "Tracking demo: site example.ir" in done.stdout
    assert "List hygiene demo:" in done.stdout
    assert "Email subscriptions:" in done.stdout and "suppressed addresses" in done.stdout
    assert "double opt-in" in done.stdout  # the demo sign-up form (mail/optin)
    assert f"Scored {40 + HYGIENE_PLANTED} contacts" in done.stdout  # with the hygiene demo's planted ones
    assert "Predictive model" in done.stdout  # trained, or the reason it could not be on 40 contacts
    assert _shell(home, "from sarnakh.scoring.models import ContactScore; print(ContactScore.objects.count())") == str(40 + HYGIENE_PLANTED)
    again = run_sarnakh(home, "demo", "--contacts", "40", "--companies", "8")
    assert again.returncode == 0 and "already" in again.stdout
    skipped = run_sarnakh(home, "demo", "--if-empty")
    assert "skipped" in skipped.stdout
    assert _shell(home, "from sarnakh.contacts.models import Contact; print(Contact.objects.count())") == str(40 + HYGIENE_PLANTED)


def _enqueue_record_run(home: Path, directory: Path, token: str) -> None:
    _shell(home, f"from sarnakh.core.jobs import enqueue; from tests.core.job_tasks import record_run; enqueue(record_run, {str(directory)!r}, {token!r})")


def test_given_queued_job_when_worker_once_then_it_runs_and_exits(home, tmp_path):
    _enqueue_record_run(home, tmp_path, "from-worker")
    done = run_sarnakh(home, "worker", "--once", PYTHONPATH=source_pythonpath())
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "from-worker").read_text() == "ran\n"


def _get(port: int, path: str, headers: dict | None = None, method: str = "GET", body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_given_serve_then_healthz_api_and_embedded_background_work_answer(home, tmp_path):
    key = run_sarnakh(home, "apikey", "create", "smoke", "--scope", "write").stdout.strip()
    _enqueue_record_run(home, tmp_path, "from-embedded-worker")
    port = free_port()
    server = subprocess.Popen(
        [*command(), "serve", "--port", str(port)],
        env=sarnakh_env(home, PYTHONPATH=source_pythonpath()),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        status = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and status != 200:
            assert server.poll() is None, server.stdout.read()
            try:
                status, body = _get(port, "/healthz")
            except OSError:
                time.sleep(0.2)
        assert status == 200
        assert json.loads(body)["database"]["status"] == "ok"
        status, body = _get(port, "/api/v1/openapi.json")
        assert status == 200 and "/api/v1/contacts/upsert" in json.loads(body)["paths"]
        auth = {"Authorization": f"Bearer {key}"}
        status, body = _get(port, "/api/v1/contacts/upsert", auth, "PUT", {"email": "Ali@Example.com", "first_name": "علی"})
        assert status == 201, body
        status, body = _get(port, "/api/v1/contacts?q=علي".replace("علي", "%D8%B9%D9%84%D9%8A"), auth)
        assert status == 200 and [c["email"] for c in json.loads(body)["items"]] == ["ali@example.com"]
        assert _get(port, "/api/v1/contacts")[0] == 401
        # no SARNAKH_BASE_URL: the snippet loads the tracker from the port actually served
        status, body = _get(port, "/api/v1/sites", auth, "POST", {"name": "Blog", "origins": ["https://blog.example.com"]})
        assert status == 201, body
        assert f'"http://127.0.0.1:{port}/t/sarnakh.js"' in json.loads(body)["snippet"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (tmp_path / "from-embedded-worker").exists():
            time.sleep(0.1)
        assert (tmp_path / "from-embedded-worker").read_text() == "ran\n"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
