"""The README's API examples, run as written (bash, curl, the real `sarnakh` command) against a
live server, so an example that stops working fails here instead of on a new user's machine."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from sarnakh.contacts import selectors, services
from sarnakh.core.actor import Actor
from tests.core.sarnakh_process import database_url_of, sarnakh_env, source_pythonpath

README = Path(__file__).resolve().parent.parent / "README.md"
URL_LINE = re.compile(r"^URL=http://127\.0\.0\.1:8000$", re.MULTILINE)
# Every curl fails the script on an HTTP error and ends its answer with a newline, so the
# answers come out one per line.
STRICT_CURL = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; echo; }\n'


def api_usage_block() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## API usage"):]
    return section[section.index("```sh\n") + len("```sh\n"):section.index("\n```", section.index("```sh"))]


def _checkout_with_sarnakh(tmp_path: Path) -> Path:
    """A directory laid out like a checkout after `make run`: `.venv/bin/sarnakh` runs this
    code against the test database, `python3` is this interpreter."""
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "sarnakh").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sarnakh.cli "$@"\n')
    (bin_dir / "sarnakh").chmod(0o755)
    (bin_dir / "python3").symlink_to(sys.executable)
    return tmp_path


def test_readme_api_block_sets_the_server_address_once():
    assert len(URL_LINE.findall(api_usage_block())) == 1


@pytest.mark.django_db(transaction=True)
def test_given_a_server_with_a_contact_when_the_readme_api_examples_run_then_each_answers_and_acts_on_the_new_contact(live_server, tmp_path):
    # given a running server that already has a contact (the demo data's contact 1)
    earlier = services.contact_upsert(data={"email": "first@example.com", "first_name": "Demo"}, actor=Actor.system("tests")).contact
    checkout = _checkout_with_sarnakh(tmp_path)
    script = STRICT_CURL + URL_LINE.sub(f"URL={live_server.url}", api_usage_block())
    env = sarnakh_env(tmp_path / "home", SARNAKH_DATABASE_URL=database_url_of(connection.settings_dict), PYTHONPATH=source_pythonpath())
    env["PATH"] = os.pathsep.join([str(checkout / ".venv" / "bin"), env.get("PATH", "")])

    # when the README's examples run as written
    done = subprocess.run(["bash", "-c", script], cwd=checkout, env=env, capture_output=True, text=True, timeout=180, check=False)

    # then every command succeeds and the examples act on the contact they created
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    new_id = int(lines[0].removeprefix("contact "))
    assert new_id != earlier.pk
    upserted, found, moved, timeline, events = (json.loads(line) for line in lines[1:])
    assert (upserted["matched_on"], upserted["contact"]["phone"]) == ("email", "+989123456789")
    assert new_id in [item["id"] for item in found["items"]]
    assert (moved["to_stage"], moved["reason"]) == ("disqualified", "student, no budget")
    assert timeline["items"][0]["kind"] == "stage_changed"
    assert events["accepted"] == 1
    assert selectors.contact_get(contact_id=new_id).stage.key == "disqualified"
    assert selectors.contact_get(contact_id=earlier.pk).stage.key == earlier.stage.key
