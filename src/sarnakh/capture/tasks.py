"""Where capture's jobs were before forms/ and imports/ got their own modules.

A queued job names its function by module path; jobs an older version queued name these
paths, so they must still resolve after an upgrade. New jobs use the sub-packages' tasks.
"""

from sarnakh.capture.forms.tasks import process_form_submission, send_form_notification
from sarnakh.capture.imports.tasks import run_contact_import

__all__ = ["process_form_submission", "run_contact_import", "send_form_notification"]
