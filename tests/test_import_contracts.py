"""The app boundaries hold (pyproject.toml [tool.importlinter], docs/architecture.md), and
the contracts bite: a forbidden import in a copy of the source fails `lint-imports`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    # From the repository root: the configuration and the custom contract types live there.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=REPO, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def src_copy(tmp_path):
    shutil.copytree(REPO / "src" / "sarnakh", tmp_path / "sarnakh", ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    return tmp_path


def add_line(module: Path, line: str) -> None:
    text = module.read_text()
    marker = "from __future__ import annotations\n"
    module.write_text(text.replace(marker, marker + "\n" + line + "\n", 1) if marker in text else line + "\n" + text)


def test_the_source_keeps_every_contract():
    result = lint_imports(REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_given_scoring_imports_contacts_models_then_the_public_modules_contract_breaks(src_copy):
    add_line(src_copy / "sarnakh" / "scoring" / "selectors.py", "from sarnakh.contacts.models import Contact  # noqa")
    result = lint_imports(src_copy)
    assert result.returncode != 0
    assert "Apps meet only through services, selectors, events and API schemas BROKEN" in result.stdout
    assert "sarnakh.scoring.selectors -> sarnakh.contacts.models" in result.stdout


def test_given_contacts_imports_scoring_then_the_layers_contract_breaks(src_copy):
    add_line(src_copy / "sarnakh" / "contacts" / "views.py", "from sarnakh.scoring import selectors as scoring_selectors  # noqa")
    result = lint_imports(src_copy)
    assert "Layers: the assembly on top, then web, the domain apps, core at the bottom BROKEN" in result.stdout
    assert "sarnakh.contacts is not allowed to import sarnakh.scoring" in result.stdout


def test_given_an_engine_reaches_the_orm_through_another_module_then_the_pure_engines_contract_breaks(src_copy):
    add_line(src_copy / "sarnakh" / "scoring" / "engine" / "fit.py", "from sarnakh.core import jobs  # noqa")
    result = lint_imports(src_copy)
    assert "Pure engines import no Django ORM, not even through other modules BROKEN" in result.stdout
    assert "sarnakh.core.jobs" in result.stdout
