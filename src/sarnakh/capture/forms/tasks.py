"""Background entry points for forms: take ids, call one service, idempotent."""

from django_tasks import task

from sarnakh.capture.forms import processing


@task()
def process_form_submission(submission_id: int) -> None:
    # A processed submission is left alone; a failed one is marked, never raised.
    processing.submission_process(submission_id=submission_id)


@task()
def send_form_notification(notification_id: int) -> None:
    # Sent at most once per submission and recipient, however often this runs.
    processing.notification_send(notification_id=notification_id)
