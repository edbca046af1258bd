"""The old path of the form jobs (see capture/tasks.py): jobs queued by an older version
name `sarnakh.capture.form_tasks.…`."""

from sarnakh.capture.forms.tasks import process_form_submission, send_form_notification

__all__ = ["process_form_submission", "send_form_notification"]
