from __future__ import annotations

from pathlib import Path

import pytest

from sarnakh.capture.imports import services
from sarnakh.capture.imports.models import ContactImport


def write_csv(directory: Path, text: str | bytes, *, name: str = "contacts.csv", encoding: str = "utf-8") -> Path:
    path = directory / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def cp1256(text: str) -> bytes:
    """What Persian Excel on Windows writes: Windows-1256 has Arabic yeh, not Persian yeh."""
    return text.replace("ی", "ي").encode("cp1256")


def create_import(path: Path, actor, **options) -> ContactImport:
    with open(path, "rb") as file:
        return services.import_create(upload=file, file_name=path.name, actor=actor, options=options, start=True)


def run_import(path: Path, actor, *, engine: str = "batch", batch_size: int | None = None, **options) -> ContactImport:
    contact_import = create_import(path, actor, **options)
    done = services.import_run(import_id=contact_import.pk, engine=engine, batch_size=batch_size)
    assert done is not None
    return done


@pytest.fixture(params=["batch", "row"])
def engine(request):
    return request.param
