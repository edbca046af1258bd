"""Background entry points for capture: take ids, call one service, idempotent."""

from django_tasks import task

from sarnakh.capture.imports import services


@task(queue_name="imports")
def run_contact_import(import_id: int) -> None:
    # A finished import is left alone, a running one (its worker died) resumes after
    # the last committed batch.
    services.import_run(import_id=import_id)
