"""Running the job queue inside a test: the real worker loop of `db_worker`, in this process.

Tests use the database backend, as production does (settings.TASKS), not django-tasks' immediate
backend: a task is then what production enqueues (a committed-with-the-request row, its arguments
through JSON, its result row the jobs page reads), and it runs only when the test says so, here,
deterministically, in the order the workers take them.
"""

from unittest import mock

from django_tasks import DEFAULT_TASK_BACKEND_ALIAS
from django_tasks_db.management.commands import db_worker


def run_tasks(max_tasks: int | None = None) -> None:
    """Run the queued tasks (all, or at most `max_tasks`) as one worker would, then return."""
    worker = db_worker.Worker(
        queue_names=["*"], interval=0, batch=True, backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False, max_tasks=max_tasks, worker_id="test-worker",
    )
    # Between tasks the worker closes connections not in autocommit: the test's own transaction.
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()
