"""`manage.py db_worker`: django-tasks-db's worker, holding its liveness lock (jobs.liveness).

The same options as django-tasks-db's command (--queue-name, --batch, --max-tasks, --worker-id...).
One worker runs one task at a time: the number of workers bounds how many tasks run at once.
"""

from django_tasks_db.management.commands import db_worker

from jobs import liveness


class Command(db_worker.Command):
    help = "Run a worker of the job queue (one task at a time), holding its liveness lock."

    def handle(self, *args, worker_id: str, **options) -> None:
        liveness.hold(worker_id)  # before any task is claimed under this id
        super().handle(*args, worker_id=worker_id, **options)
