"""Runs the real `sarnakh` command in a child process against a fresh SQLite home."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SARNAKH = Path(sys.executable).with_name("sarnakh")


def command() -> list[str]:
    return [str(SARNAKH)] if SARNAKH.exists() else [sys.executable, "-m", "sarnakh.cli"]


def sarnakh_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SARNAKH_", "DJANGO_"))}
    env.update(
        SARNAKH_HOME=str(home),
        SARNAKH_DATABASE_URL="",
        SARNAKH_ENV_FILE=str(home / "no.env"),
        PYTHONIOENCODING="utf-8",
    )
    env.update(extra)
    return env


def run_sarnakh(home: Path, *args: str, timeout: float = 120, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command(), *args], env=sarnakh_env(home, **extra), capture_output=True, text=True, timeout=timeout, check=False
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


REPO = Path(__file__).resolve().parents[2]


def source_pythonpath() -> str:
    """This checkout's sources first (not whichever copy is installed), then the repository
    root for the test-only jobs in tests/."""
    return os.pathsep.join([str(REPO / "src"), str(REPO)])


def database_url_of(settings_dict: dict) -> str:
    """The URL of the database this test runs on, for child processes to share it."""
    from urllib.parse import quote

    if "sqlite" in settings_dict["ENGINE"]:
        return f"sqlite:///{settings_dict['NAME']}"
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{auth}{settings_dict.get('HOST') or 'localhost'}{port}/{settings_dict['NAME']}"
