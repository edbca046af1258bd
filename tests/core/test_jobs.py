import threading

import pytest
from django.db import connection, transaction
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from sarnakh.core.jobs import enqueue, job_counts, make_worker, run_pending_jobs
from tests.core.job_tasks import explode, record_run


class Boom(Exception):
    pass


def _runs(directory, token) -> int:
    path = directory / token
    return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.mark.django_db
def test_given_job_enqueued_in_a_rolled_back_transaction_then_it_never_runs(tmp_path):
    with pytest.raises(Boom), transaction.atomic():
        enqueue(record_run, str(tmp_path), "rolled-back")
        raise Boom
    assert DBTaskResult.objects.count() == 0
    assert run_pending_jobs() == 0
    assert _runs(tmp_path, "rolled-back") == 0


@pytest.mark.django_db
def test_given_job_enqueued_in_a_committed_transaction_then_run_pending_jobs_runs_it_once(tmp_path):
    with transaction.atomic():
        result = enqueue(record_run, str(tmp_path), "committed")
    assert run_pending_jobs() == 1
    assert run_pending_jobs() == 0
    assert _runs(tmp_path, "committed") == 1
    row = DBTaskResult.objects.get(pk=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == "committed"


@pytest.mark.django_db
def test_given_failing_job_then_it_is_recorded_as_failed_with_its_traceback_and_others_still_run(tmp_path):
    enqueue(explode, "smtp server said no")
    enqueue(record_run, str(tmp_path), "after")
    assert run_pending_jobs() == 2
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert "smtp server said no" in failed.traceback
    assert _runs(tmp_path, "after") == 1
    assert job_counts()[TaskResultStatus.FAILED] == 1


@pytest.mark.django_db
def test_given_limit_then_only_that_many_run(tmp_path):
    for n in range(3):
        enqueue(record_run, str(tmp_path), f"job-{n}")
    assert run_pending_jobs(limit=2) == 2
    assert job_counts()[TaskResultStatus.READY] == 1


@pytest.mark.django_db(transaction=True)
def test_given_two_worker_threads_draining_one_queue_then_each_job_runs_exactly_once(tmp_path):
    tokens = [f"job-{n:03d}" for n in range(60)]
    for token in tokens:
        enqueue(record_run, str(tmp_path), token)
    ran_by_thread: list[int] = []
    errors: list[BaseException] = []

    def drain():
        worker = make_worker(interval=0, batch=True)
        try:
            worker.run()
            ran_by_thread.append(worker._run_tasks)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(ran_by_thread) == len(tokens)
    assert [_runs(tmp_path, token) for token in tokens] == [1] * len(tokens)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == len(tokens)
    assert all(len(row.worker_ids) == 1 for row in DBTaskResult.objects.all())
