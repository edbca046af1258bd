"""Tiny background jobs used by the job tests. Each run appends a line to a file named
by its token, so a job that ran twice leaves two lines."""

from pathlib import Path

from django_tasks import task


@task()
def record_run(directory: str, token: str) -> str:
    with open(Path(directory) / token, "a", encoding="utf-8") as handle:
        handle.write("ran\n")
    return token


@task()
def explode(message: str) -> None:
    raise RuntimeError(message)


@task(queue_name="imports")
def slow_import(import_id: int, batch_size: int, pause: float) -> None:
    """An import that takes its time, so a test can kill its worker half-way."""
    import time

    from sarnakh.capture.imports import services

    services.import_run(import_id=import_id, batch_size=batch_size, on_batch=lambda _imp, _totals: time.sleep(pause))
