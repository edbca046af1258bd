"""Jobs queued by a version before forms/ and imports/ existed name the old module paths."""

import pytest
from django.utils.module_loading import import_string
from django_tasks.base import Task

from sarnakh.capture.forms import tasks as form_tasks
from sarnakh.capture.imports import tasks as import_tasks


@pytest.mark.parametrize(
    ("old_path", "task"),
    [
        ("sarnakh.capture.tasks.run_contact_import", import_tasks.run_contact_import),
        ("sarnakh.capture.form_tasks.process_form_submission", form_tasks.process_form_submission),
        ("sarnakh.capture.form_tasks.send_form_notification", form_tasks.send_form_notification),
    ],
)
def test_a_job_queued_under_an_old_path_finds_its_task(old_path, task):
    # given a job row naming the path of an older version; when the worker imports it
    found = import_string(old_path)
    # then it is the task that runs today
    assert isinstance(found, Task)
    assert found.func is task.func
